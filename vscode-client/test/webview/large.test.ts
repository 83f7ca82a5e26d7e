/**
 * Large generated dataflows through `livedag graph --format html` (the same page as the preview),
 * in headless Chromium: they open as a readable overview of module groups, groups expand on click,
 * and the page keeps answering input while a large layout runs in the worker. Timings are not
 * asserted here: scripts/bench-page.mjs measures them.
 *   LIVEDAG_PYTHON=/path/to/.venv/bin/python node --test out/test/webview/large.test.js
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { READABLE_PX } from '../../src/preview/dot';

const clientRoot = path.resolve(__dirname, '../../..');
const repo = path.resolve(clientRoot, '..');
const artifacts = process.env.LIVEDAG_ARTIFACTS ?? path.join(repo, 'test-artifacts');
const python = process.env.LIVEDAG_PYTHON ?? path.join(repo, '.venv/bin/python');

/**
 * A workspace of `modules` generated modules × `functions` functions (bench/gen_dataflow.py, a
 * driver running them all) written as an HTML page; returns the page's path and node count.
 */
export function generatedPage(dir: string, modules: number, functions: number): { file: string; nodes: number } {
  const root = path.join(dir, `ws-${modules}x${functions}`);
  mkdirSync(root, { recursive: true });
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(repo, 'bench'))})`,
    'from pathlib import Path',
    'from bench_workspace import generate',
    `generate(Path(${JSON.stringify(root)}), ${modules}, ${functions})`,
  ].join('\n');
  execFileSync(python, ['-c', script]);
  const file = path.join(dir, `graph-${modules}x${functions}.html`);
  // the page built from this checkout's dist/, not the copy committed for the Python package
  const template = path.join(dir, 'template.html');
  execFileSync(process.execPath, [path.join(clientRoot, 'scripts/build-page.mjs'), '--out', template], { stdio: 'pipe' });
  execFileSync(python, ['-m', 'livedag.server.cli', 'graph', '--format', 'html', '-o', file, '.'], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, LIVEDAG_PAGE_TEMPLATE: template },
  });
  const json = execFileSync(python, ['-m', 'livedag.server.cli', 'graph', '.'], { cwd: root, maxBuffer: 1 << 28 });
  const nodes = (JSON.parse(json.toString()) as { nodes: unknown[] }).nodes.length;
  return { file, nodes };
}

export async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const drawn = (page: Page): Promise<number> => page.evaluate(() => Number(document.body.dataset.drawn ?? 0));
const labelHeights = (page: Page): Promise<number[]> =>
  page.$$eval('g.node text', (els) => els.map((e) => e.getBoundingClientRect().height));

describe('large dataflows in the standalone page', { timeout: 600_000 }, () => {
  let browser: Browser;
  let dir: string;
  const pages: Record<string, { file: string; nodes: number }> = {};

  before(async () => {
    assert.ok(existsSync(python), `no Python with livedag at ${python}: set LIVEDAG_PYTHON or run scripts/setup.sh`);
    mkdirSync(artifacts, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'livedag-large-'));
    pages.medium = generatedPage(dir, 10, 200);
    pages.huge = generatedPage(dir, 20, 765);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(pages[name]!.file).href);
    await until('the first view', async () => (await drawn(page)) > 0 || errors.length > 0);
    assert.deepEqual(errors, []);
    return page;
  }

  it('opens the 10 × 200 dataflow as a readable overview of its modules', async () => {
    assert.ok(pages.medium!.nodes > 2500, `${pages.medium!.nodes} nodes`);
    const page = await open('medium');
    const groups = await page.$$eval('g.node[data-group]', (els) => els.map((e) => (e as SVGGElement).dataset.group).sort());
    for (let i = 0; i < 10; i++) assert.ok(groups.includes(`m${i}`), `module m${i} is a group: ${groups.join(", ")}`);
    const heights = await labelHeights(page);
    assert.ok(Math.min(...heights) >= READABLE_PX, `smallest label ${Math.min(...heights).toFixed(1)} px`);
    const counted = await page.$$eval('g.edge text', (els) => els.map((e) => Number(e.textContent)));
    assert.ok(counted.some((n) => n > 1), 'edges between groups are counted');
    await page.screenshot({ path: path.join(artifacts, 'page-2600-overview.png') });
    // a group expands on click
    const before = await drawn(page);
    await page.click('g.node[data-group="m3"]');
    await until('m3 expanded', async () => (await drawn(page)) > before, 120_000);
    const nodes = await page.$$eval('g.node[data-node]', (els) => els.map((e) => (e as SVGGElement).dataset.node!));
    assert.ok(nodes.filter((n) => n.startsWith('m3_')).length > 150, 'the module is drawn node by node');
    assert.ok(!(await page.$$eval('g.node[data-group]', (els) => els.map((e) => (e as SVGGElement).dataset.group))).includes('m3'));
    const expanded = await labelHeights(page);
    assert.ok(Math.min(...expanded) >= READABLE_PX, 'still readable after expanding');
    await page.screenshot({ path: path.join(artifacts, 'page-2600-expanded.png') });
    // + on a node draws its neighbours from folded groups
    const node = nodes.find((n) => n.startsWith('m3_'))!;
    await page.click(`g.node[data-node="${node}"]`);
    await until('details', async () => !(await page.$eval('#details', (e) => (e as HTMLElement).hidden)));
    await page.close();
  });

  it('answers input while a 20,000-node dataflow is laid out, and a newer layout replaces it', async () => {
    assert.ok(pages.huge!.nodes >= 20_000, `${pages.huge!.nodes} nodes`);
    const page = await open('huge');
    const heights = await labelHeights(page);
    assert.ok(Math.min(...heights) >= READABLE_PX, `smallest label ${Math.min(...heights).toFixed(1)} px`);
    // draw every node: a layout that takes long in the worker
    const before = await drawn(page);
    await page.click('#overview');
    await until('the layout to start', async () => page.$eval('#status', (e) => e.classList.contains('busy')));
    // the page answers a click meanwhile: zoom changes the canvas at once
    const transform = await page.$eval('#canvas', (e) => (e as HTMLElement).style.transform);
    await page.click('#zoom-in', { timeout: 5_000 });
    assert.notEqual(await page.$eval('#canvas', (e) => (e as HTMLElement).style.transform), transform);
    assert.ok(await page.$eval('#status', (e) => e.classList.contains('busy')), 'the layout was still running');
    // back to the overview: the long layout is dropped, the overview drawn
    await page.click('#overview');
    await until('the overview again', async () => (await drawn(page)) > before, 60_000);
    assert.ok((await page.$$('g.node[data-group]')).length >= 20);
    assert.ok(!(await page.$eval('#status', (e) => e.classList.contains('busy'))));
    await page.screenshot({ path: path.join(artifacts, 'page-20000-overview.png') });
    await page.close();
  });
});
