/**
 * The webview page as shipped (dist/webview.js + dist/webview-style.css under the page's CSP),
 * loaded in headless Chromium with a stand-in for VS Code's webview API, fed the graph recorded
 * from the bundled example through `livedag/graph`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { previewHtml } from '../../src/preview/html';
import type { GraphResult, HostMessage } from '../../src/preview/protocol';

const clientRoot = path.resolve(__dirname, '../../..');
const artifacts = process.env.LIVEDAG_ARTIFACTS ?? path.resolve(clientRoot, '../test-artifacts');
const graph = JSON.parse(readFileSync(path.join(clientRoot, 'test/fixtures/example-graph.json'), 'utf8')) as GraphResult;

/** A node with both producers and consumers, whose depth-1 neighbourhood is not the whole graph. */
function pickFocus(): { id: string; expected: Set<string> } {
  for (const node of graph.nodes) {
    const expected = new Set([node.id]);
    for (const edge of graph.edges) {
      if (edge.target === node.id) expected.add(edge.source);
      if (edge.source === node.id) expected.add(edge.target);
    }
    const hasBoth = graph.edges.some((e) => e.target === node.id) && graph.edges.some((e) => e.source === node.id);
    if (hasBoth && expected.size < graph.nodes.length && node.location !== null) return { id: node.id, expected };
  }
  throw new Error('the example graph has no node with upstream and downstream neighbours');
}

describe('lineage preview page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  const posted = (): Promise<{ type: string; node?: string; svg?: string }[]> =>
    page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
  const send = (message: HostMessage): Promise<void> =>
    page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>);
  const renderedNodes = (): Promise<string[]> =>
    page.$$eval('g.node[data-node]', (els) => els.map((e) => (e as SVGGElement).dataset.node!).sort());
  const screenshot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(artifacts, name) });

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const dist = path.join(clientRoot, 'dist');
    const pageFile = path.join(clientRoot, 'out/test/webview/preview.html');
    writeFileSync(
      pageFile,
      previewHtml({
        cspSource: 'file:',
        nonce: 'testnonce',
        scriptUri: pathToFileURL(path.join(dist, 'webview.js')).href,
        styleUri: pathToFileURL(path.join(dist, 'webview-style.css')).href,
      }),
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text().slice(0, 160));
    });
    await page.addInitScript(() => {
      const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
      w.__posted = [];
      w.__state = undefined;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => w.__posted.push(m),
        getState: () => w.__state,
        setState: (s: unknown) => (w.__state = s),
      });
    });
    await page.goto(pathToFileURL(pageFile).href);
    await page.waitForFunction(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
    );
    await send({ type: 'graph', graph, document: graph.nodes.find((n) => n.location)!.location!.uri });
    await page.waitForSelector('g.node[data-node]');
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every node and every edge of the example', async () => {
    assert.deepEqual(await renderedNodes(), graph.nodes.map((n) => n.id).sort());
    const edges = await page.$$eval('g.edge', (els) =>
      els.map((e) => `${(e as SVGGElement).dataset.source}>${(e as SVGGElement).dataset.target}`).sort(),
    );
    assert.deepEqual(edges, graph.edges.map((e) => `${e.source}>${e.target}`).sort());
    const labels = await page.$$eval('g.node text', (els) => els.map((e) => e.textContent));
    for (const node of graph.nodes) assert.ok(labels.includes(node.name), `label ${node.name} is drawn`);
    assert.match(await page.textContent('#status') ?? '', new RegExp(`${graph.nodes.length} of ${graph.nodes.length} nodes`));
    await screenshot('preview-example.png');
  });

  it('highlights the node under the cursor', async () => {
    const { id } = pickFocus();
    await send({ type: 'cursor', node: id });
    await page.waitForSelector('g.node.highlighted');
    const highlighted = await page.$$eval('g.node.highlighted', (els) => els.map((e) => (e as SVGGElement).dataset.node));
    assert.deepEqual(highlighted, [id]);
    const stroke = await page.$eval('g.node.highlighted polygon, g.node.highlighted ellipse, g.node.highlighted path', (e) =>
      getComputedStyle(e).strokeWidth,
    );
    assert.equal(stroke, '3.5px');
  });

  it('shows only the neighbourhood in focus mode', async () => {
    const { id, expected } = pickFocus();
    await page.selectOption('#depth', '1');
    await page.check('#focus-mode');
    await page.waitForFunction((n) => document.querySelectorAll('g.node[data-node]').length === n, expected.size);
    assert.deepEqual(await renderedNodes(), [...expected].sort());
    assert.deepEqual(
      await page.$$eval('g.node.highlighted', (els) => els.map((e) => (e as SVGGElement).dataset.node)),
      [id],
    );
    await screenshot('preview-example-focus.png');
    await page.uncheck('#focus-mode');
    await page.waitForFunction((n) => document.querySelectorAll('g.node[data-node]').length === n, graph.nodes.length);
  });

  it('posts "open definition" when a node is clicked', async () => {
    const target = graph.nodes.find((n) => n.location !== null)!;
    await page.click(`g.node[data-node="${target.id}"]`);
    assert.deepEqual((await posted()).filter((m) => m.type === 'openDefinition'), [{ type: 'openDefinition', node: target.id }]);
  });

  it('colours by a chosen tag with a legend', async () => {
    const key = [...new Set(graph.nodes.flatMap((n) => Object.keys(n.tags)))].sort()[0];
    assert.ok(key, 'the example has tagged nodes');
    await page.selectOption('#colour-by', key);
    await page.waitForFunction((k) => document.querySelector('.legend-title')?.textContent === k, key);
    const legend = await page.$$eval('.legend-entry', (els) => els.map((e) => e.textContent));
    const values = new Set(graph.nodes.map((n) => (n.tags[key] === undefined ? '(none)' : String(n.tags[key]))));
    assert.deepEqual(new Set(legend), values);
    await screenshot(`preview-example-colour-${key}.png`);
    await page.selectOption('#colour-by', 'kind');
  });

  it('finds a node with the search box', async () => {
    const target = graph.nodes[graph.nodes.length - 1]!;
    await page.fill('#search', target.name);
    await page.press('#search', 'Enter');
    const matches = await page.$$eval('g.node.search-match', (els) => els.map((e) => (e as SVGGElement).dataset.node));
    assert.ok(matches.includes(target.id));
    await page.fill('#search', '');
    await page.press('#search', 'Escape');
  });

  it('zooms and exports a standalone SVG', async () => {
    const before = await page.$eval('#canvas', (e) => (e as HTMLElement).style.transform);
    await page.click('#zoom-in');
    assert.notEqual(await page.$eval('#canvas', (e) => (e as HTMLElement).style.transform), before);
    await page.click('#export-svg');
    const svg = (await posted()).find((m) => m.type === 'exportSvg')?.svg ?? '';
    assert.match(svg, /^<svg/);
    assert.doesNotMatch(svg, /var\(--/);
    for (const node of graph.nodes) assert.ok(svg.includes(`>${node.name.replace(/&/g, '&amp;')}</text>`), node.name);
  });

  it('shows why there is no graph', async () => {
    await send({ type: 'graph', graph: null, document: null, reason: 'This file belongs to no dataflow.' });
    await page.waitForFunction(() => document.querySelectorAll('g.node').length === 0);
    assert.equal(await page.textContent('#status'), 'This file belongs to no dataflow.');
    assert.deepEqual(cspViolations, []);
  });
});
