/**
 * Starts, stops and restarts `livedag serve` and owns the language client. A server that cannot
 * start is diagnosed before the client is created (interpreter missing, livedag not installed), so
 * the user sees one message with the fix and an "Open Settings" button; details go to the output.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  type CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorAction,
  type ErrorHandlerResult,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  Trace,
} from 'vscode-languageclient/node';
import { lensMiddleware } from './lensCommands';
import { type GraphChangedParams, type GraphResult, parseGraphResult } from './preview/protocol';
import {
  LAUNCH_SETTINGS,
  type LaunchProblem,
  SERVER_SETTINGS,
  type ServerLaunch,
  classifyPreflight,
  launchProblemMessage,
  resolveLaunch,
  serverOptions,
} from './settings';
import * as api from './vscodeapi';

const PREFLIGHT_TIMEOUT_MS = 30_000;
const MAX_CRASHES = 3;

export class LivedagServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly graphChanged = new vscode.EventEmitter<GraphChangedParams>();
  private readonly started = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** start/stop/restart run one after another, never interleaved */
  private queue: Promise<unknown> = Promise.resolve();
  private crashes = 0;

  readonly onGraphChanged = this.graphChanged.event;
  readonly onDidStart = this.started.event;

  constructor(private readonly output: vscode.LogOutputChannel) {
    this.disposables.push(
      this.graphChanged,
      this.started,
      api.onDidChangeConfiguration((event) => {
        if (LAUNCH_SETTINGS.some((key) => event.affectsConfiguration(key))) {
          this.output.info('Server settings changed: restarting the livedag server.');
          void this.restart();
        } else if (SERVER_SETTINGS.some((key) => event.affectsConfiguration(key))) {
          void this.sendSettings();
        }
      }),
    );
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      this.crashes = 0;
      await this.doStart();
    });
  }

  /** `livedag/graph` for the whole dataflow of `uri` (null: it belongs to no dataflow). */
  /** `livedag/graph` for `uri`; `dataflow` picks one of the document's dataflows (default: its first). */
  async requestGraph(uri: string, dataflow?: string): Promise<GraphResult | null> {
    const client = this.client;
    if (client === undefined || client.state !== State.Running) {
      throw new Error('the livedag server is not running (see the livedag output)');
    }
    const result: unknown = await client.sendRequest('livedag/graph', dataflow ? { uri, dataflow } : { uri });
    if (result === null) return null;
    const graph = parseGraphResult(result);
    if (graph === undefined) throw new Error('the server sent a graph this extension does not understand');
    return graph;
  }

  async dispose(): Promise<void> {
    await this.stop();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    if (this.client !== undefined) return;
    const resource = vscode.window.activeTextEditor?.document.uri;
    const settings = api.readWorkspaceSettings(resource);
    const folder = api.workspaceFolderPath(resource);
    const interpreter = settings.interpreter === '' && settings.serverCommand.length === 0
      ? await api.pythonExtensionInterpreter(resource)
      : undefined;
    const launch = resolveLaunch(settings, interpreter, folder);
    this.output.info(`Starting the livedag server: ${[launch.command, ...launch.args].join(' ')} (from ${launch.source})`);
    const problem = await preflight(launch, folder);
    if (problem !== null) {
      this.output.error(`The livedag server cannot start: ${problem.detail}`);
      await this.reportLaunchProblem(launch, problem);
      return;
    }
    const client = this.createClient(launch, folder);
    this.client = client;
    try {
      await client.start();
      await client.setTrace(Trace.fromString(settings.trace));
    } catch (error) {
      this.output.error(`The livedag server failed to start: ${String(error)}`);
      this.client = undefined;
      await client.dispose().catch(() => undefined);
      await this.reportLaunchProblem(launch, { kind: 'command-failed', detail: String(error) });
      return;
    }
    this.output.info('The livedag server is running.');
    this.started.fire();
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    try {
      if (client.state === State.Running) await client.stop(5000);
      await client.dispose();
    } catch (error) {
      this.output.warn(`Stopping the livedag server: ${String(error)}`);
    }
  }

  private createClient(launch: ServerLaunch, folder: string | undefined): LanguageClient {
    const settings = api.readWorkspaceSettings();
    const server: ServerOptions = {
      command: launch.command,
      args: launch.args,
      // no `transport`: stdio without the `--stdio` argument the library would append
      options: { cwd: folder },
    };
    const options: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: 4 /* RevealOutputChannelOn.Never */,
      initializationOptions: serverOptions(settings),
      // the code lens commands run here (references peek, graph preview), not on the server
      middleware: lensMiddleware(this.output),
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => this.onServerClosed(launch),
      },
    };
    const client = new LanguageClient('livedag', 'livedag', server, options);
    client.onNotification('livedag/graphChanged', (params: GraphChangedParams) => this.graphChanged.fire(params));
    return client;
  }

  /** The server process ended on its own: restart a few times, then tell the user once. */
  private onServerClosed(launch: ServerLaunch): CloseHandlerResult {
    this.crashes++;
    if (this.crashes <= MAX_CRASHES) {
      this.output.warn(`The livedag server stopped unexpectedly; restarting (${this.crashes}/${MAX_CRASHES}).`);
      return { action: CloseAction.Restart, handled: true };
    }
    this.output.error('The livedag server stopped repeatedly; not restarting it.');
    void this.reportLaunchProblem(launch, { kind: 'command-failed', detail: 'crashed repeatedly' });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private async sendSettings(): Promise<void> {
    const client = this.client;
    if (client === undefined || client.state !== State.Running) return;
    const settings = serverOptions(api.readWorkspaceSettings());
    this.output.info(`Sending settings to the server: ${JSON.stringify(settings)}`);
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { livedag: settings } });
  }

  private async reportLaunchProblem(launch: ServerLaunch, problem: LaunchProblem): Promise<void> {
    const setting = launch.source === 'livedag.server.command' ? 'livedag.server.command' : 'livedag.interpreter';
    const choice = await api.showErrorMessage(launchProblemMessage(launch, problem), 'Open Settings', 'Show Output');
    if (choice === 'Open Settings') await api.openSettings(setting);
    if (choice === 'Show Output') this.output.show(true);
  }
}

/** Check what commonly goes wrong before starting: a missing interpreter or livedag not installed. */
async function preflight(launch: ServerLaunch, folder: string | undefined): Promise<LaunchProblem | null> {
  if (launch.interpreter === null) {
    return (await isExecutable(launch.command))
      ? null
      : { kind: 'interpreter-missing', detail: `${launch.command}: not found or not executable` };
  }
  const result = await new Promise<{ spawnError?: string; status: number | null; stderr: string }>((resolve) => {
    execFile(
      launch.command,
      ['-c', 'import livedag.server.cli'],
      { cwd: folder, timeout: PREFLIGHT_TIMEOUT_MS },
      (error, _stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (typeof code === 'string') resolve({ spawnError: `${launch.command}: ${code}`, status: null, stderr });
        else resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stderr: String(stderr) });
      },
    );
  });
  return classifyPreflight(result);
}

async function isExecutable(command: string): Promise<boolean> {
  const candidates = command.includes(path.sep)
    ? [command]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return true;
    } catch {
      // try the next folder on PATH
    }
  }
  return false;
}
