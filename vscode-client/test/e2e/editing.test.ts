/**
 * The editor features in a real VS Code (code-server), driven by the keys a user presses, on a copy
 * of the bundled example: code lenses above a function and what clicking each does, call hierarchy
 * (Shift+Alt+H), completion in a parameter list (Ctrl+Space), the LD002 quick fix (Ctrl+.) and
 * rename across files (F2). Edits are checked in the files on disk after saving.
 *   CODE_SERVER=… VSIX=… LIVEDAG_PYTHON=… node --test out/test/e2e/editing.test.js
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { GraphResult } from '../../src/preview/protocol';
import { type Workbench, extensionLog, openFile, previewFrame, runCommand, startWorkbench, until } from './workbench';

const clientRoot = path.resolve(__dirname, '../../..');
const repo = path.resolve(clientRoot, '..');
const artifacts = process.env.LIVEDAG_ARTIFACTS ?? path.join(repo, 'test-artifacts');
// what the server answers for the example now (test-vscode.sh records it), else the committed fixture
const recordedPath = process.env.EXAMPLE_GRAPH ?? path.join(clientRoot, 'test/fixtures/example-graph.json');
const recorded = JSON.parse(readFileSync(recordedPath, 'utf8')) as GraphResult;
const TESTS = 6;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (scripts/test-vscode.sh does)`);
  return value;
}

/** Every node reachable from `start` along the recorded edges (upward: its ancestors). */
function reach(start: string, upward: boolean): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of recorded.edges) {
    const [from, to] = upward ? [e.target, e.source] : [e.source, e.target];
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    for (const n of next.get(todo.pop()!) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return seen;
}

const consumersOf = (node: string): string[] => recorded.edges.filter((e) => e.source === node).map((e) => e.target).sort();

/** 1-based line and column of the first occurrence of `needle` in `text` (plus `offset` columns). */
function lineColumn(text: string, needle: string, offset = 0): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `"${needle}" is not in the file`);
  const before = text.slice(0, at + offset);
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

const editor = (page: Page): Locator => page.locator('.editor-instance .monaco-editor').first();

/** Put the cursor at a 1-based line and column with "Go to Line/Column" (Ctrl+G). */
async function goTo(page: Page, at: { line: number; column: number }): Promise<void> {
  await editor(page).locator('.view-lines').first().click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${at.line}:${at.column}`);
  await page.keyboard.press('Enter');
  await until(`the cursor at ${at.line}:${at.column}`, async () => {
    const text = await page.locator('[id="status.editor.selection"]').textContent().catch(() => '');
    return text?.includes(`Ln ${at.line}, Col ${at.column}`) ? text : undefined;
  });
}

/** Save the active editor (Ctrl+S) and wait until `saved` holds for the text on disk. */
async function save(page: Page, file: () => string, saved: (text: string) => boolean, what: string): Promise<string> {
  await page.keyboard.press('Control+S');
  return until(what, () => {
    const text = file();
    return saved(text) ? text : undefined;
  });
}

async function problemsText(page: Page): Promise<string> {
  return (await page.locator('.markers-panel').first().textContent().catch(() => '')) ?? '';
}

/** The code lens line right above the first line of the editor that starts with `lineStart`. */
async function lensAbove(page: Page, lineStart: string): Promise<Locator> {
  return until(`a code lens above "${lineStart}"`, async () => {
    const found = await editor(page).evaluate((root, start) => {
      const top = (e: Element): number => parseFloat((e as HTMLElement).style.top || 'NaN');
      const line = [...root.querySelectorAll('.view-lines .view-line')].find((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').startsWith(start));
      if (!line) return -1;
      const lenses = [...root.querySelectorAll('.codelens-decoration')];
      // a lens sits in the view zone just above its line: the nearest one above it
      let best = -1;
      let gap = Infinity;
      lenses.forEach((lens, i) => {
        const d = top(line) - top(lens);
        if (d > 0 && d < gap && (lens.textContent ?? '').includes('upstream')) {
          gap = d;
          best = i;
        }
      });
      return gap < 3 * parseFloat(getComputedStyle(line).height) ? best : -1;
    }, lineStart);
    return found >= 0 ? editor(page).locator('.codelens-decoration').nth(found) : undefined;
  }, 60_000);
}

describe('livedag editor features in VS Code (code-server)', { timeout: 300_000 }, () => {
  let workbench: Workbench;
  let page: Page;
  const log: string[] = [];
  let serverStarted = false;
  let passed = 0;
  const needServer = (): void => assert.ok(serverStarted, 'the livedag server did not start (see the first failure)');
  const file = (name: string): string => readFileSync(path.join(workbench.workspace, name), 'utf8');
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(artifacts, `vscode-${name}.png`) });

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    workbench = await startWorkbench({
      codeServer: required('CODE_SERVER'),
      vsix: required('VSIX'),
      example: path.join(repo, 'examples'),
      python: required('LIVEDAG_PYTHON'),
      log: (line) => log.push(line),
    });
    page = workbench.page;
  });

  after(async () => {
    if (page) await shot('editing-final').catch(() => undefined);
    if (passed < TESTS) {
      console.log(`--- code-server ---\n${log.slice(-40).join('\n')}`);
      console.log(`--- livedag output channel ---\n${workbench ? extensionLog(workbench.userDir).slice(-4000) : ''}`);
    }
    await workbench?.close();
  });

  it('shows ↑ n upstream | ↓ m downstream above a function, and ↓ opens the consumers in the references peek', async () => {
    await openFile(page, 'dataset.py');
    await until('the livedag server to run', () => /The livedag server is running/.test(extensionLog(workbench.userDir)), 60_000);
    serverStarted = true;
    const up = reach('training_set', true).size;
    const down = reach('training_set', false).size;
    const lens = await lensAbove(page, 'def training_set(');
    await until(`the lens to read ↑ ${up} upstream | ↓ ${down} downstream`, async () => {
      const text = ((await lens.textContent()) ?? '').replace(/\u00a0/g, ' ');
      return text === `↑ ${up} upstream | ↓ ${down} downstream` ? text : undefined;
    });
    await shot('lens');
    await lens.locator('a', { hasText: 'downstream' }).click();
    const peek = page.locator('.peekview-widget').first();
    await peek.waitFor({ timeout: 15_000 });
    const consumers = consumersOf('training_set');
    const rows = peek.locator('.ref-tree .monaco-list-row');
    await shot('lens-consumers');
    // all in model.py: the peek is titled with it and lists each consumer's line, `training_set` marked
    await until(`${consumers.length} references in model.py`, async () => {
      const title = (await peek.locator('.peekview-title').textContent()) ?? '';
      const lines = await rows.allTextContents();
      const marked = await rows.locator('.highlight', { hasText: 'training_set' }).count();
      if (/model\.py/.test(title) && lines.length === consumers.length && marked === consumers.length) return lines;
      throw new Error(`the peek shows ${JSON.stringify(title)}: ${JSON.stringify(lines)}`);
    });
    await page.keyboard.press('Escape');
    await peek.waitFor({ state: 'hidden' });
    passed++;
  });

  it('↑ upstream opens the lineage graph on the node', async () => {
    needServer();
    const lens = await lensAbove(page, 'def training_set(');
    await lens.locator('a', { hasText: 'upstream' }).first().click();
    const frame = await previewFrame(page);
    await shot('lens-graph');
    await until('training_set marked in the preview as the node under the cursor', async () => {
      const marked = await frame.$$eval('g.node.highlighted', (els) => els.map((e) => (e as SVGGElement).dataset.node));
      if (marked.includes('training_set')) return true;
      throw new Error(`marked: ${JSON.stringify(marked)}`);
    }, 60_000);
    // and centred in the graph's area (a moving cursor only brings its node on screen)
    await until('training_set centred in the preview', async () => {
      const off = await frame.evaluate(() => {
        const box = document.querySelector('g.node[data-node="training_set"]')!.getBoundingClientRect();
        const view = document.querySelector('#viewport')!.getBoundingClientRect();
        return Math.hypot(box.x + box.width / 2 - (view.x + view.width / 2), box.y + box.height / 2 - (view.y + view.height / 2));
      });
      if (off < 10) return true;
      throw new Error(`${off.toFixed(0)} px off centre`);
    });
    await shot('lens-graph');
    // back to one editor for the next steps
    await runCommand(page, 'View: Close All Editor Groups');
    passed++;
  });

  it('Shift+Alt+H lists the consumers as incoming calls', async () => {
    needServer();
    await openFile(page, 'dataset.py');
    await goTo(page, lineColumn(file('dataset.py'), 'def training_set', 4 + 1));
    await page.keyboard.press('Shift+Alt+H');
    const consumers = consumersOf('training_set');
    const tree = page.locator('.pane', { hasText: 'training_set' }).locator('.monaco-list-row');
    await until(`${consumers.join(', ')} under training_set`, async () => {
      const labels = (await tree.allTextContents()).join('\n');
      return consumers.every((name) => labels.includes(name)) ? labels : undefined;
    });
    await shot('call-hierarchy');
    passed++;
  });

  it('Ctrl+Space in a parameter list offers node names and inserts name: Type', async () => {
    needServer();
    await openFile(page, 'features.py');
    const original = file('features.py');
    await editor(page).locator('.view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n\ndef churn_hint(');
    await page.keyboard.press('Control+Space');
    // livedag's items carry the node's type as their detail (VS Code's word list has none)
    const rows = page.locator('.suggest-widget .monaco-list-row');
    const nodeNames = new Set(recorded.nodes.map((n) => n.name));
    const offered = await until('node names with their types in the completion list', async () => {
      const labels = await rows.locator('.label-name').allTextContents();
      const typed = await rows.filter({ has: page.locator('.details-label', { hasText: /\S/ }) }).count();
      return typed >= 5 && labels.filter((l) => nodeNames.has(l.trim())).length >= 5 ? labels : undefined;
    });
    assert.ok(!offered.includes('churn_hint'), 'the function itself is not offered (a cycle)');
    await shot('completion');
    await page.keyboard.type('age_norm');
    await until('age_normalized (pd.Series) first', async () => {
      const first = rows.first();
      return (await first.locator('.label-name').textContent()) === 'age_normalized' &&
        (await first.locator('.details-label').textContent()) === 'pd.Series';
    });
    await page.keyboard.press('Tab');
    const added = '\n\ndef churn_hint(age_normalized: pd.Series';
    await save(page, () => file('features.py'), (text) => text === original + added, `features.py saved ending in ${JSON.stringify(added)}`);
    // take the typed lines out again: from the end back over the line and the two line breaks
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Delete');
    await save(page, () => file('features.py'), (text) => text === original, 'features.py as it was');
    passed++;
  });

  it('Ctrl+. on an LD002 typo applies the preferred fix and the warning goes away', async () => {
    needServer();
    const typoAt = lineColumn(file('features.py'), 'def is_free_email(email_domain', 'def is_free_email('.length);
    await goTo(page, typoAt);
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Delete');
    await page.keyboard.type('email_domian: pd.Series) -> pd.Series:');
    await shot('typo');
    await page.keyboard.press('Control+Shift+M');
    await until('LD002 for email_domian in the Problems panel', async () => {
      const text = await problemsText(page);
      return /LD002/.test(text) && /email_domian/.test(text) ? text : undefined;
    });
    await goTo(page, { line: typoAt.line, column: typoAt.column + 2 });
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget');
    const title = 'Replace `email_domian` with `email_domain`';
    await menu.locator('.monaco-list-row.action', { hasText: title }).waitFor({ timeout: 15_000 });
    await shot('quick-fix');
    // the menu opens on the preferred fix; Enter applies it
    const focused = (await menu.locator('.monaco-list-row.action.focused').getAttribute('aria-label')) ?? '';
    assert.equal(focused, title, 'the preferred fix is the one the menu offers first');
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
    const fixed = await save(page, () => file('features.py'), (text) => !text.includes('email_domian'), 'the fix saved');
    assert.match(fixed, /def is_free_email\(email_domain: pd\.Series\) -> pd\.Series:/);
    await until('LD002 to clear', async () => !/email_domian/.test(await problemsText(page)), 30_000);
    passed++;
  });

  /** F2 on `def name` in `module`, type `renamed`, Enter, save every file. */
  async function rename(module: string, name: string, renamed: string): Promise<void> {
    await openFile(page, module);
    await goTo(page, lineColumn(file(module), `def ${name}(`, 4 + 1));
    await page.keyboard.press('F2');
    const input = page.locator('.rename-box input').first();
    await input.waitFor({ timeout: 15_000 });
    assert.equal(await input.inputValue(), name);
    await input.fill(renamed);
    await shot(`rename-${name}`);
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    const defined = new RegExp(`^def ${renamed}\\(`, 'm');
    await runCommand(page, 'File: Save All');
    await until(`def ${renamed} saved in ${module}`, () => defined.test(file(module)));
  }

  it('F2 on a def renames the node in every file: def, consumers and their uses, driver strings', async () => {
    needServer();
    await runCommand(page, 'View: Close All Editor Groups');
    const before = { features: file('features.py'), dataset: file('dataset.py'), model: file('model.py'), run: file('run.py') };
    // consumed in another module: its parameter and the parameter's use change there
    await rename('features.py', 'is_free_email', 'uses_free_email');
    const features = file('features.py');
    const dataset = file('dataset.py');
    assert.match(features, /def uses_free_email\(email_domain: pd\.Series\)/);
    assert.doesNotMatch(features, /is_free_email/);
    assert.match(dataset, /^    uses_free_email: pd\.Series,$/m);
    assert.match(dataset, /"is_free_email": uses_free_email,/, 'the parameter\'s use, not the column name');
    assert.equal(dataset.replace('    uses_free_email: pd.Series,', '    is_free_email: pd.Series,').replace(': uses_free_email,', ': is_free_email,'), before.dataset);
    assert.equal(file('model.py'), before.model, 'FEATURES names columns, not nodes');
    // asked for by the driver: the string in execute([...]) changes
    await rename('model.py', 'model_accuracy', 'accuracy');
    const model = file('model.py');
    const run = file('run.py');
    assert.match(model, /^def accuracy\(churn_scores: pd\.Series/m);
    assert.match(run, /\["churn_scores", "accuracy", "churn_model"\]/);
    await page.keyboard.press('Control+Shift+M');
    await until('no livedag problem after the renames', async () => {
      const problems = await problemsText(page);
      if (!/LD0\d\d/.test(problems)) return true;
      throw new Error(problems);
    }, 30_000);
    await shot('after-rename');
    passed++;
  });
});
