/**
 * The packaged extension in a real VS Code (code-server): the server starts with the configured
 * interpreter, a cycle typed into a module shows LD001 and fixing it clears it, the lineage
 * preview shows the example's nodes and redraws live, and clicking a node moves the editor.
 *   CODE_SERVER=… VSIX=… LIVEDAG_PYTHON=… node --test out/test/e2e/
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { lineage, withoutInternals } from '../../src/preview/model';
import type { GraphResult } from '../../src/preview/protocol';
import { type Workbench, extensionLog, openFile, previewFrame, runCommand, startWorkbench, until } from './workbench';

const clientRoot = path.resolve(__dirname, '../../..');
const repo = path.resolve(clientRoot, '..');
const artifacts = process.env.LIVEDAG_ARTIFACTS ?? path.join(repo, 'test-artifacts');
// what the server answers for the example now (test-vscode.sh records it), else the committed fixture
const recordedPath = process.env.EXAMPLE_GRAPH ?? path.join(clientRoot, 'test/fixtures/example-graph.json');
const recordedRaw = JSON.parse(readFileSync(recordedPath, 'utf8')) as GraphResult;
/** what the preview draws: `@check_output` internals are part of their function */
const recorded = withoutInternals(recordedRaw, lineage(recordedRaw).internals);
const MODULE = 'features.py';
const TESTS = 6;
const CYCLE = ['def cycle_a(cycle_b: int) -> int: return cycle_b', 'def cycle_b(cycle_a: int) -> int: return cycle_a'];

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (scripts/test-vscode.sh does)`);
  return value;
}

const renderedNodes = (frame: Frame): Promise<string[]> =>
  frame.$$eval('g.node[data-node]', (els) => els.map((e) => (e as SVGGElement).dataset.node!).sort());

type Rect = { x: number; y: number; w: number; h: number };

/** Each drawn node's shape in the graph's own coordinates (as Graphviz placed it; zoom and pan left out). */
const layoutBoxes = (frame: Frame): Promise<Record<string, Rect>> =>
  frame.$$eval('g.node[data-node]', (els) =>
    Object.fromEntries(
      els.map((e) => {
        const b = (e.querySelector('polygon, ellipse, path') as SVGGraphicsElement).getBBox();
        return [(e as SVGGElement).dataset.node!, { x: b.x, y: b.y, w: b.width, h: b.height }];
      }),
    ),
  );

/** WCAG contrast ratio of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string): number => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** What the preview draws with, and the theme colours it should be drawn with (all as computed `rgb(...)`). */
async function drawnColours(frame: Frame): Promise<Record<string, string>> {
  return frame.evaluate(() => {
    const resolve = (value: string): string => {
      const probe = document.createElement('span');
      probe.style.color = value;
      document.body.append(probe);
      const colour = getComputedStyle(probe).color;
      probe.remove();
      return colour;
    };
    const root = getComputedStyle(document.documentElement);
    const theme = (name: string): string => resolve(root.getPropertyValue(name).trim());
    const node = document.querySelector('g.node[data-node]:not(.selected):not(.highlighted):not(.in-document)') ?? document.querySelector('g.node[data-node]')!;
    const shape = getComputedStyle(node.querySelector('polygon, ellipse, path')!);
    const label = getComputedStyle(node.querySelector('text')!);
    const edge = getComputedStyle(document.querySelector('g.edge path')!);
    return {
      bodyClass: document.body.className,
      foreground: theme('--vscode-editor-foreground'),
      background: theme('--vscode-editor-background'),
      contrastBorder: theme('--vscode-contrastBorder'),
      page: getComputedStyle(document.body).backgroundColor,
      label: label.fill,
      nodeFill: shape.fill,
      nodeBorder: shape.stroke,
      edge: edge.stroke,
      legend: getComputedStyle(document.querySelector('.legend')!).color,
      status: getComputedStyle(document.querySelector('#status')!).color,
      button: getComputedStyle(document.querySelector('#zoom-fit')!).color,
      buttonBackground: getComputedStyle(document.querySelector('#zoom-fit')!).backgroundColor,
    };
  });
}

async function problemsText(page: Page): Promise<string> {
  return (await page.locator('.markers-panel').first().textContent().catch(() => '')) ?? '';
}

describe('livedag in VS Code (code-server)', { timeout: 200_000 }, () => {
  let workbench: Workbench;
  let page: Page;
  const log: string[] = [];
  /** the later steps need a running server: once it failed to start they fail at once */
  let serverStarted = false;
  let passed = 0;
  const needServer = (): void => assert.ok(serverStarted, 'the livedag server did not start (see the first failure)');

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
    if (page) await page.screenshot({ path: path.join(artifacts, 'vscode-final.png') }).catch(() => undefined);
    if (passed < TESTS) {
      console.log(`--- code-server ---\n${log.slice(-40).join('\n')}`);
      console.log(`--- livedag output channel ---\n${workbench ? extensionLog(workbench.userDir).slice(-4000) : ''}`);
    }
    await workbench?.close();
  });

  it('starts the livedag server with the configured interpreter', async () => {
    await openFile(page, MODULE);
    const started = await until('the "server is running" line in the livedag output', () => {
      const text = extensionLog(workbench.userDir);
      return /The livedag server is running/.test(text) ? text : undefined;
    }, 60_000);
    assert.match(started, new RegExp(`Starting the livedag server: ${required('LIVEDAG_PYTHON').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -m livedag.server.cli serve \\(from livedag.interpreter\\)`));
    assert.doesNotMatch(started, /cannot start|failed to start/);
    serverStarted = true;
    passed++;
  });

  it('shows the lineage graph of the example beside the editor', async () => {
    needServer();
    await runCommand(page, 'livedag: Show Lineage Graph');
    const frame = await previewFrame(page);
    const expected = recorded.nodes.map((n) => n.id).sort();
    await until('the preview to draw the example', async () => (await renderedNodes(frame)).length === expected.length, 60_000);
    assert.deepEqual(await renderedNodes(frame), expected);
    const edges = await frame.$$eval('g.edge', (els) => els.length);
    assert.equal(edges, recorded.edges.length);
    await page.screenshot({ path: path.join(artifacts, 'vscode-preview.png') });
    passed++;
  });

  it('shows LD001 for a cycle typed into a module, redraws, and clears it when fixed', async () => {
    needServer();
    const frame = await previewFrame(page);
    const before = await layoutBoxes(frame);
    const fullLayouts = (): Promise<string | undefined> => frame.evaluate(() => document.body.dataset.fullLayouts);
    const fullBefore = await fullLayouts();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(`${CYCLE[0]}\n${CYCLE[1]}`);
    await page.keyboard.press('Control+Shift+M');
    const problems = await until('LD001 in the Problems panel', async () => {
      const text = await problemsText(page);
      return /LD001/.test(text) && /cycle_a/.test(text) ? text : undefined;
    }, 30_000);
    assert.match(problems, /cycle/i);
    await until('the preview to redraw with the new nodes', async () => {
      const nodes = await renderedNodes(frame);
      return nodes.includes('cycle_a') && nodes.includes('cycle_b');
    });
    // the diagnostics are drawn: the cycle's edges red, its nodes marked
    await until('the cycle drawn as a problem', async () => {
      const cycle = await frame.$$eval('g.edge.cycle', (els) => els.map((e) => `${(e as SVGGElement).dataset.source}>${(e as SVGGElement).dataset.target}`).sort());
      return cycle.join() === 'cycle_a>cycle_b,cycle_b>cycle_a';
    });
    assert.match((await frame.getAttribute('g.node[data-node="cycle_a"]', 'class')) ?? '', /problem-error/);
    // the nodes that were there stay where they were; the typed ones are placed beside them
    const after = await layoutBoxes(frame);
    assert.equal(await frame.evaluate(() => document.body.dataset.layout), 'incremental');
    // relative to one of them: Graphviz moves the origin when the drawing grows left or down
    const ref = Object.keys(before)[0]!;
    const offset = (boxes: Record<string, Rect>, id: string): [number, number] => [boxes[id]!.x - boxes[ref]!.x, boxes[id]!.y - boxes[ref]!.y];
    const moved = Object.keys(before).filter((id) => {
      const [[bx, by], [ax, ay]] = [offset(before, id), offset(after, id)];
      return Math.abs(ax - bx) > 1 || Math.abs(ay - by) > 1;
    });
    assert.deepEqual(moved, [], `no node that was drawn before typing moved (full layouts: ${fullBefore} before typing, ${await fullLayouts()} after)`);
    for (const id of ['cycle_a', 'cycle_b']) {
      const a = after[id]!;
      const hit = Object.entries(after).find(([other, b]) => other !== id && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h);
      assert.equal(hit, undefined, `${id} overlaps ${hit?.[0]}`);
    }
    await page.screenshot({ path: path.join(artifacts, 'vscode-cycle.png') });

    // livedag.severities reaches the running server (didChangeConfiguration, no restart)
    const settingsFile = path.join(workbench.workspace, '.vscode/settings.json');
    const good = readFileSync(settingsFile, 'utf8');
    writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(good), 'livedag.severities': { LD001: 'off' } }));
    await until('LD001 to be hidden by livedag.severities', async () => !/LD001/.test(await problemsText(page)), 30_000);
    writeFileSync(settingsFile, good);
    await until('LD001 to come back', async () => /LD001/.test(await problemsText(page)), 30_000);
    assert.doesNotMatch(extensionLog(workbench.userDir), /restarting the livedag server/);

    // fix it: remove the two typed lines (the file ended with a newline, so they start a line)
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Home');
    await page.keyboard.press('Control+Shift+End');
    await page.keyboard.press('Delete');
    await until('LD001 to clear from the Problems panel', async () => !/LD001/.test(await problemsText(page)), 30_000);
    await until('the preview to drop the cycle', async () => (await renderedNodes(frame)).length === recorded.nodes.length);
    assert.deepEqual(await renderedNodes(frame), recorded.nodes.map((n) => n.id).sort());
    passed++;
  });

  it('shows a node\'s details on click, and "Open code" moves the editor to its function', async () => {
    needServer();
    const frame = await previewFrame(page);
    // a function in another module when the dataflow spans several, else the first one in this module
    // (the cursor is at the end of the file after the previous step, so either one moves it)
    const functions = recorded.nodes
      .filter((n) => n.kind === 'function' && n.location !== null && n.name === n.function)
      .sort((a, b) => a.location!.range.start.line - b.location!.range.start.line);
    const target = functions.find((n) => !n.location!.uri.endsWith(`/${MODULE}`)) ?? functions[0];
    assert.ok(target?.location, 'the example has functions');
    const file = target.location.uri.split('/').pop()!;
    // find it first (the graph is larger than the panel at a readable size): Enter centres on it
    await frame.fill('#search', target.name);
    await frame.press('#search', 'Enter');
    await frame.press('#search', 'Escape');
    await frame.click(`g.node[data-node="${target.id}"]`);
    await until('the details panel', async () => ((await frame.textContent('#details').catch(() => '')) ?? '').includes('Upstream'));
    assert.match((await frame.textContent('#details h2')) ?? '', new RegExp(target.name));
    await page.screenshot({ path: path.join(artifacts, 'vscode-details.png') });
    // the details in the light and dark default themes (the README's screenshots), Problems closed
    await runCommand(page, 'View: Toggle Panel Visibility');
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await frame.fill('#search', target.name);
    await frame.press('#search', 'Enter'); // centre it again in the wider panel
    const settingsFile = path.join(workbench.workspace, '.vscode/settings.json');
    const good = readFileSync(settingsFile, 'utf8');
    for (const [theme, name] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']]) {
      writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(good), 'workbench.colorTheme': theme }));
      await until(`the ${name} theme`, async () => {
        const dark = await page.$eval('.monaco-workbench', (e) => e.classList.contains('vs-dark'));
        return dark === (name === 'dark');
      });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(artifacts, `vscode-preview-${name}.png`) });
    }
    // high contrast: labels, borders and edges in the theme's own colours, at contrast HC asks for
    for (const [theme, name, workbenchClass] of [['Default High Contrast', 'high-contrast', 'hc-black'], ['Default High Contrast Light', 'high-contrast-light', 'hc-light']]) {
      writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(good), 'workbench.colorTheme': theme }));
      await until(`the ${theme} theme`, () => page.$eval('.monaco-workbench', (e, c) => e.classList.contains(c), workbenchClass));
      const colours = await until(`the preview in ${theme}`, async () => {
        const c = await drawnColours(frame);
        return c.bodyClass.includes('vscode-high-contrast') && c.page === c.background ? c : undefined;
      });
      const report = JSON.stringify(colours);
      assert.equal(colours.label, colours.foreground, `labels in the editor foreground: ${report}`);
      assert.equal(colours.nodeFill, colours.background, `boxes filled with the editor background: ${report}`);
      assert.equal(colours.edge, colours.foreground, `edges in the editor foreground: ${report}`);
      assert.ok(contrast(colours.label, colours.nodeFill) >= 7, `label contrast ${contrast(colours.label, colours.nodeFill).toFixed(1)}:1 (AAA asks 7:1)`);
      assert.ok(contrast(colours.nodeBorder, colours.background) >= 3, `box border contrast ${contrast(colours.nodeBorder, colours.background).toFixed(1)}:1 (3:1 for lines)`);
      assert.ok(contrast(colours.legend, colours.background) >= 7 && contrast(colours.status, colours.background) >= 7, `legend and status text: ${report}`);
      const buttonBackground = /rgba\(.*, 0\)/.test(colours.buttonBackground) ? colours.background : colours.buttonBackground;
      assert.ok(contrast(colours.button, buttonBackground) >= 7, `toolbar button text ${contrast(colours.button, buttonBackground).toFixed(1)}:1: ${report}`);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, `vscode-preview-${name}.png`) });
    }
    writeFileSync(settingsFile, good);
    await runCommand(page, 'View: Toggle Panel Visibility');
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await frame.click('#details >> text=Open code');
    await page.locator(`.tab.active[data-resource-name="${file}"]`).waitFor({ timeout: 15_000 });
    const line = target.location.range.start.line + 1;
    await until(`the cursor on line ${line}`, async () => {
      const text = await page.locator('[id="status.editor.selection"]').textContent().catch(() => '');
      return text?.includes(`Ln ${line},`) ? text : undefined;
    });
    await until('the clicked node to be highlighted as the node under the cursor', async () =>
      (await frame.$$eval('g.node.highlighted', (els) => els.map((e) => (e as SVGGElement).dataset.node))).includes(target.id),
    );
    await page.screenshot({ path: path.join(artifacts, 'vscode-after-click.png') });
    passed++;
  });

  it('brings the preview back after "Reload Window"', async () => {
    needServer();
    const title = (await page.locator('.tab', { hasText: 'Lineage:' }).first().textContent()) ?? '';
    assert.match(title, /Lineage: run\.py \(driver\)/, 'the tab names the dataflow, not a driver:/path id');
    await runCommand(page, 'Developer: Reload Window');
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const frame = await previewFrame(page);
    await until('the revived preview to draw the example', async () => (await renderedNodes(frame)).length === recorded.nodes.length, 90_000);
    await page.screenshot({ path: path.join(artifacts, 'vscode-after-reload.png') });
    passed++;
  });

  it('says how to fix a wrong interpreter, opens the setting, and restarts when it changes', async () => {
    needServer();
    const settingsFile = path.join(workbench.workspace, '.vscode/settings.json');
    const good = readFileSync(settingsFile, 'utf8');
    const runningLines = (): number => (extensionLog(workbench.userDir).match(/The livedag server is running/g) ?? []).length;
    const before = runningLines();
    writeFileSync(settingsFile, JSON.stringify({ 'livedag.interpreter': '/nonexistent/python3' }));
    const toast = page.locator('.notification-toast', { hasText: 'livedag' });
    await toast.waitFor({ timeout: 30_000 });
    const message = (await toast.textContent()) ?? '';
    assert.match(message, /"\/nonexistent\/python3" \(from the livedag\.interpreter setting\) was not found/);
    await page.screenshot({ path: path.join(artifacts, 'vscode-wrong-interpreter.png') });
    await toast.getByRole('button', { name: 'Open Settings' }).click();
    await page.locator('.settings-editor').waitFor({ timeout: 15_000 });
    assert.match((await page.locator('.settings-editor .setting-item-contents').first().textContent()) ?? '', /Interpreter/);
    writeFileSync(settingsFile, good);
    await until('the server to restart with the good interpreter', () => runningLines() > before, 60_000);
    passed++;
  });
});
