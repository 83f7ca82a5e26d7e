/**
 * The parts of the VS Code API the extension uses, in one place, so the rest reads as what it
 * does (and the seams for tests are obvious).
 */
import * as vscode from 'vscode';
import { SECTION, type LivedagSettings, readSettings } from './settings';

export function readWorkspaceSettings(resource?: vscode.Uri): LivedagSettings {
  const configuration = vscode.workspace.getConfiguration(SECTION, resource);
  return readSettings((key) => configuration.get(key));
}

export function workspaceFolderPath(resource?: vscode.Uri): string | undefined {
  const folder = resource ? vscode.workspace.getWorkspaceFolder(resource) : undefined;
  return (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
}

export function onDidChangeConfiguration(
  listener: (event: vscode.ConfigurationChangeEvent) => unknown,
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(listener);
}

export function createOutputChannel(name: string): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(name, { log: true });
}

export function registerCommand(command: string, callback: (...args: unknown[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(command, callback);
}

export async function openSettings(setting: string): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', setting);
}

export function showErrorMessage<T extends string>(message: string, ...actions: T[]): Thenable<T | undefined> {
  return vscode.window.showErrorMessage(message, ...actions);
}

/** The subset of the Python extension's API used to find its active interpreter. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(path: string | { path: string }): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand?: string[] };
  };
}

/** The Python extension's active interpreter for `resource`, when that extension is installed. */
export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension === undefined) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const active = api?.environments?.getActiveEnvironmentPath(resource);
    if (active) {
      const resolved = await api.environments!.resolveEnvironment(active);
      return resolved?.executable?.uri?.fsPath ?? active.path;
    }
    return api?.settings?.getExecutionDetails(resource).execCommand?.[0];
  } catch {
    return undefined;
  }
}
