/**
 * The extension's settings and how the server command is chosen from them. Pure functions over a
 * settings reader, so the resolution order is unit-tested without VS Code.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export const SECTION = 'livedag';

/** Settings whose change means the server must be started again. */
export const LAUNCH_SETTINGS = ['livedag.interpreter', 'livedag.server.command', 'livedag.trace.server'];
/** Settings the running server takes with workspace/didChangeConfiguration. */
export const SERVER_SETTINGS = ['livedag.config', 'livedag.severities'];

export type Trace = 'off' | 'messages' | 'verbose';

export interface LivedagSettings {
  interpreter: string;
  serverCommand: string[];
  config: Record<string, unknown>;
  severities: Record<string, string>;
  trace: Trace;
}

/** Reads one key of the `livedag` section (VS Code's WorkspaceConfiguration.get fits). */
export type SettingsReader = (key: string) => unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Settings with wrong shapes replaced by their defaults, so a typo cannot stop the server. */
export function readSettings(read: SettingsReader): LivedagSettings {
  const interpreter = read('interpreter');
  const command = read('server.command');
  const config = read('config');
  const severities = read('severities');
  const trace = read('trace.server');
  return {
    interpreter: typeof interpreter === 'string' ? interpreter.trim() : '',
    serverCommand:
      Array.isArray(command) && command.every((part) => typeof part === 'string')
        ? command.filter((part) => part !== '')
        : typeof command === 'string' && command.trim() !== ''
          ? [command.trim()]
          : [],
    config: isRecord(config) ? config : {},
    severities: isRecord(severities)
      ? Object.fromEntries(
          Object.entries(severities).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
        )
      : {},
    trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
  };
}

/** What the running server needs to know: sent as initializationOptions and on every change. */
export function serverOptions(settings: LivedagSettings): { config: Record<string, unknown>; severities: Record<string, string> } {
  return { config: settings.config, severities: settings.severities };
}

export type LaunchSource = 'livedag.server.command' | 'livedag.interpreter' | 'Python extension' | 'default';

export interface ServerLaunch {
  command: string;
  args: string[];
  /** the interpreter, when the server runs as `<interpreter> -m ...` (checked before starting) */
  interpreter: string | null;
  /** which setting chose it, for messages */
  source: LaunchSource;
}

/** The server module: `python -m livedag.server.cli serve` runs `livedag serve` in that interpreter. */
export const SERVER_MODULE_ARGS = ['-m', 'livedag.server.cli', 'serve'];
export const DEFAULT_INTERPRETER = 'python3';

/** `~`, `${workspaceFolder}` and `${userHome}` in paths, and relative paths against the folder. */
export function expandPath(value: string, workspaceFolder: string | undefined): string {
  let expanded = value
    .replace(/\$\{userHome\}/g, os.homedir())
    .replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? '.');
  if (expanded === '~' || expanded.startsWith('~/')) expanded = path.join(os.homedir(), expanded.slice(1));
  const looksLikePath = expanded.includes('/') || expanded.includes('\\');
  if (looksLikePath && !path.isAbsolute(expanded) && workspaceFolder !== undefined) {
    expanded = path.join(workspaceFolder, expanded);
  }
  return expanded;
}

/**
 * The command that starts the server, in this order: `livedag.server.command`; else
 * `livedag.interpreter`; else the Python extension's active interpreter; else `python3`.
 */
export function resolveLaunch(
  settings: LivedagSettings,
  pythonExtensionInterpreter: string | undefined,
  workspaceFolder: string | undefined,
): ServerLaunch {
  if (settings.serverCommand.length > 0) {
    const [command, ...args] = settings.serverCommand.map((part) => expandPath(part, workspaceFolder));
    return { command: command!, args, interpreter: null, source: 'livedag.server.command' };
  }
  const chosen: [string, LaunchSource] =
    settings.interpreter !== ''
      ? [expandPath(settings.interpreter, workspaceFolder), 'livedag.interpreter']
      : pythonExtensionInterpreter
        ? [pythonExtensionInterpreter, 'Python extension']
        : [DEFAULT_INTERPRETER, 'default'];
  return { command: chosen[0], args: [...SERVER_MODULE_ARGS], interpreter: chosen[0], source: chosen[1] };
}

export type LaunchProblem =
  | { kind: 'interpreter-missing'; detail: string }
  | { kind: 'livedag-missing'; detail: string }
  | { kind: 'command-failed'; detail: string };

/** The one message the user sees when the server cannot start: what is wrong and the fix. */
export function launchProblemMessage(launch: ServerLaunch, problem: LaunchProblem): string {
  const where =
    launch.source === 'Python extension'
      ? "the Python extension's active interpreter"
      : launch.source === 'default'
        ? 'the default interpreter'
        : `the ${launch.source} setting`;
  switch (problem.kind) {
    case 'interpreter-missing':
      return (
        `livedag: the Python interpreter "${launch.command}" (from ${where}) was not found. ` +
        'Set "livedag.interpreter" to the path of a Python that has livedag installed.'
      );
    case 'livedag-missing':
      return (
        `livedag is not installed in "${launch.command}" (from ${where}). ` +
        `Install it there ("${launch.command}" -m pip install livedag) or set "livedag.interpreter" ` +
        'to a Python that has it.'
      );
    case 'command-failed':
      return launch.source === 'livedag.server.command'
        ? `livedag: the server command "${[launch.command, ...launch.args].join(' ')}" from ` +
            '"livedag.server.command" did not start. Fix the setting or clear it to use "livedag.interpreter".'
        : `livedag: the server did not start with "${launch.command}" (from ${where}). ` +
            'See the livedag output for details, or set "livedag.interpreter" to another Python.';
  }
}

/**
 * Classify the pre-flight check `<interpreter> -c "import livedag.server.cli"`: spawn error code
 * (ENOENT, EACCES) or exit status with stderr.
 */
export function classifyPreflight(
  result: { spawnError?: string; status: number | null; stderr: string },
): LaunchProblem | null {
  if (result.spawnError !== undefined) {
    return { kind: 'interpreter-missing', detail: result.spawnError };
  }
  if (result.status === 0) return null;
  if (/ModuleNotFoundError|No module named/.test(result.stderr)) {
    return { kind: 'livedag-missing', detail: result.stderr.trim() };
  }
  return { kind: 'command-failed', detail: result.stderr.trim() || `exit status ${result.status}` };
}
