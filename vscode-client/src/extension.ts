/** Entry point: start the livedag server and register the commands; stop the server on exit. */
import * as vscode from 'vscode';
import { LineagePreview, VIEW_TYPE } from './preview/panel';
import { LivedagServer } from './server';
import { createOutputChannel, registerCommand } from './vscodeapi';

let server: LivedagServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = createOutputChannel('livedag');
  server = new LivedagServer(output);
  const running = server;
  context.subscriptions.push(
    output,
    { dispose: () => void running.dispose() },
    registerCommand('livedag.restartServer', () => running.restart()),
    registerCommand('livedag.showOutput', () => output.show()),
    registerCommand('livedag.showLineageGraph', () => LineagePreview.show(context.extensionUri, running, output)),
    // the preview comes back after "Reload Window" on the document it showed
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) =>
        LineagePreview.revive(panel, state, context.extensionUri, running, output),
    }),
  );
  await server.start();
}

export function deactivate(): Thenable<void> | undefined {
  return server?.stop();
}
