import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_INTERPRETER,
  SERVER_MODULE_ARGS,
  classifyPreflight,
  expandPath,
  launchProblemMessage,
  readSettings,
  resolveLaunch,
  serverOptions,
} from '../../src/settings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];
const folder = path.join(os.tmpdir(), 'ws');

describe('readSettings', () => {
  it('falls back to defaults for missing or mistyped values', () => {
    const settings = readSettings(reader({ interpreter: 42, 'server.command': [1, 2], config: 'x', severities: [], 'trace.server': 'loud' }));
    assert.deepEqual(settings, { interpreter: '', serverCommand: [], config: {}, severities: {}, trace: 'off' });
  });

  it('keeps well-formed values and drops non-string severities', () => {
    const settings = readSettings(
      reader({
        interpreter: '  .venv/bin/python ',
        'server.command': ['livedag', '', 'serve'],
        config: { region: 'eu' },
        severities: { LD002: 'warning', LD005: 3 },
        'trace.server': 'verbose',
      }),
    );
    assert.equal(settings.interpreter, '.venv/bin/python');
    assert.deepEqual(settings.serverCommand, ['livedag', 'serve']);
    assert.deepEqual(serverOptions(settings), { config: { region: 'eu' }, severities: { LD002: 'warning' } });
    assert.equal(settings.trace, 'verbose');
  });

  it('accepts a single string as the server command', () => {
    assert.deepEqual(readSettings(reader({ 'server.command': ' /opt/livedag ' })).serverCommand, ['/opt/livedag']);
  });
});

describe('resolveLaunch', () => {
  const base = readSettings(reader({}));

  it('prefers livedag.server.command over everything', () => {
    const launch = resolveLaunch(
      { ...base, serverCommand: ['${workspaceFolder}/bin/livedag', 'serve'], interpreter: '/usr/bin/python3' },
      '/py/ext/python',
      folder,
    );
    assert.deepEqual(launch, {
      command: path.join(folder, 'bin/livedag'),
      args: ['serve'],
      interpreter: null,
      source: 'livedag.server.command',
    });
  });

  it('uses livedag.interpreter, relative to the workspace folder', () => {
    const launch = resolveLaunch({ ...base, interpreter: '.venv/bin/python' }, '/py/ext/python', folder);
    assert.equal(launch.command, path.join(folder, '.venv/bin/python'));
    assert.deepEqual(launch.args, SERVER_MODULE_ARGS);
    assert.equal(launch.source, 'livedag.interpreter');
    assert.equal(launch.interpreter, launch.command);
  });

  it("falls back to the Python extension's interpreter, then python3", () => {
    assert.equal(resolveLaunch(base, '/py/ext/python', folder).command, '/py/ext/python');
    assert.equal(resolveLaunch(base, '/py/ext/python', folder).source, 'Python extension');
    const fallback = resolveLaunch(base, undefined, folder);
    assert.equal(fallback.command, DEFAULT_INTERPRETER);
    assert.equal(fallback.source, 'default');
  });
});

describe('expandPath', () => {
  it('expands ~ and leaves bare command names alone', () => {
    assert.equal(expandPath('~/venv/bin/python', folder), path.join(os.homedir(), 'venv/bin/python'));
    assert.equal(expandPath('python3.11', folder), 'python3.11');
    assert.equal(expandPath('/abs/python', folder), '/abs/python');
  });
});

describe('launch problems', () => {
  const launch = resolveLaunch({ ...readSettings(reader({})), interpreter: '/nope/python' }, undefined, folder);

  it('classifies the pre-flight result', () => {
    assert.equal(classifyPreflight({ status: 0, stderr: '' }), null);
    assert.equal(classifyPreflight({ spawnError: 'ENOENT', status: null, stderr: '' })?.kind, 'interpreter-missing');
    assert.equal(
      classifyPreflight({ status: 1, stderr: "ModuleNotFoundError: No module named 'livedag'" })?.kind,
      'livedag-missing',
    );
    assert.equal(classifyPreflight({ status: 1, stderr: 'SyntaxError' })?.kind, 'command-failed');
  });

  it('names the interpreter, where it came from and the fix', () => {
    const missing = launchProblemMessage(launch, { kind: 'livedag-missing', detail: '' });
    assert.match(missing, /livedag is not installed in "\/nope\/python"/);
    assert.match(missing, /livedag\.interpreter setting/);
    assert.match(missing, /-m pip install livedag/);
    const notFound = launchProblemMessage(launch, { kind: 'interpreter-missing', detail: '' });
    assert.match(notFound, /was not found/);
    assert.match(notFound, /Set "livedag.interpreter"/);
  });
});
