/**
 * A real VS Code for the end-to-end test: code-server (VS Code 1.100) with the packaged .vsix
 * installed, a copy of the bundled example as the workspace, driven from headless Chromium.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Frame, type Page, chromium } from 'playwright-core';

export interface Workbench {
  page: Page;
  workspace: string;
  userDir: string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Poll `check` until it returns a value (not undefined/false), or fail with `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

export async function startWorkbench(options: {
  codeServer: string;
  vsix: string;
  example: string;
  python: string;
  log: (line: string) => void;
}): Promise<Workbench> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'livedag-e2e-'));
  const workspace = path.join(root, 'example');
  const extensions = path.join(root, 'extensions');
  const userDir = path.join(root, 'user');
  cpSync(options.example, workspace, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'livedag.interpreter': options.python }, null, 2));
  mkdirSync(path.join(userDir, 'User'), { recursive: true });
  writeFileSync(
    path.join(userDir, 'User/settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      // typing in the test goes in exactly as written
      'editor.autoIndent': 'none',
      'editor.autoClosingBrackets': 'never',
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.suggestOnTriggerCharacters': false,
      'editor.acceptSuggestionOnEnter': 'off',
      'editor.minimap.enabled': false,
    }),
  );
  const install = execFileSync(options.codeServer, ['--extensions-dir', extensions, '--install-extension', options.vsix], {
    encoding: 'utf8',
  });
  options.log(install.trim());
  const port = await freePort();
  const server: ChildProcess = spawn(
    options.codeServer,
    [
      '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--extensions-dir', extensions, '--user-data-dir', userDir, workspace,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: false },
  );
  server.stdout?.on('data', (chunk: Buffer) => options.log(`[code-server] ${chunk.toString().trim()}`));
  server.stderr?.on('data', (chunk: Buffer) => options.log(`[code-server] ${chunk.toString().trim()}`));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  await until('code-server to listen', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const opened = browser;
    return {
      page,
      workspace,
      userDir,
      close: async () => {
        await opened.close().catch(() => undefined);
        await stop(server);
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await stop(server);
    throw error;
  }
}

/** Stop code-server (the process this test started) and wait for it to exit. */
function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

/** Run a command from the command palette (retried: extensions register commands after load). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await until(`command "${title}" in the palette`, async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 5000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title });
    if (await row.first().isVisible({ timeout: 1500 }).catch(() => false)) {
      await page.keyboard.press('Enter');
      return true;
    }
    await page.keyboard.press('Escape');
    return false;
  }, 60_000);
}

/** Open a workspace file with Quick Open and wait for its tab. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[data-resource-name="${name}"]`).waitFor();
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
}

/** The webview frame of the lineage preview (the inner iframe that holds our page). */
export async function previewFrame(page: Page): Promise<Frame> {
  return until('the lineage preview webview', async () => {
    for (const frame of page.frames()) {
      if (await frame.$('#canvas').catch(() => null)) return frame;
    }
    return undefined;
  }, 60_000);
}

/** The text of the extension's output channel: a LogOutputChannel writes `<user>/logs/…/livedag.livedag/livedag.log`. */
export function extensionLog(userDir: string): string {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry === 'livedag.log' && path.basename(dir) === 'livedag.livedag') found.push(full);
    }
  };
  walk(path.join(userDir, 'logs'));
  return found.map((file) => readFileSync(file, 'utf8')).join('\n');
}
