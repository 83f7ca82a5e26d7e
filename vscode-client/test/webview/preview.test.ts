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
import { READABLE_PX } from '../../src/preview/dot';

const clientRoot = path.resolve(__dirname, '../../..');
const artifacts = process.env.LIVEDAG_ARTIFACTS ?? path.resolve(clientRoot, '../test-artifacts');
const graph = JSON.parse(readFileSync(path.join(clientRoot, 'test/fixtures/example-graph.json'), 'utf8')) as GraphResult;
/** `@check_output` internals are drawn as part of their function */
const INTERNAL = /_raw$|_range_validator$/;
const drawnIds = graph.nodes.filter((n) => !INTERNAL.test(n.id)).map((n) => n.id).sort();
const FEATURES = graph.nodes.find((n) => n.id === 'age_mean')!.location!.uri;

/** The example with a cycle and a typo added, and the problems the server reports for them. */
function brokenGraph(): GraphResult {
  const at = (line: number, character: number) => ({ uri: FEATURES, range: { start: { line, character }, end: { line, character: character + 5 } } });
  const fn = (id: string, line: number) => ({ id, name: id, kind: 'function', tags: {}, function: id, module: 'features', type: 'int', location: at(line, 4) });
  return {
    ...graph,
    version: graph.version + 1,
    nodes: [...graph.nodes, fn('typo_node', 200), fn('cyc_a', 210), fn('cyc_b', 220), { id: 'custmers', name: 'custmers', kind: 'input', tags: {}, location: null }],
    edges: [
      ...graph.edges,
      { source: 'custmers', target: 'typo_node', optional: false },
      { source: 'cyc_b', target: 'cyc_a', optional: false },
      { source: 'cyc_a', target: 'cyc_b', optional: false },
    ],
    problems: [
      {
        code: 'LD002',
        severity: 'warning',
        message: "'typo_node' depends on 'custmers', which no function produces: did you mean 'customers'? If 'custmers' is meant to be an external input, ignore this",
        location: at(200, 15),
      },
      { code: 'LD001', severity: 'error', message: "cycle cyc_a -> cyc_b -> cyc_a: 'cyc_a' depends on 'cyc_b', which depends back on 'cyc_a'.", location: at(210, 11) },
      { code: 'LD001', severity: 'error', message: "cycle cyc_a -> cyc_b -> cyc_a: 'cyc_b' depends on 'cyc_a', which depends back on 'cyc_b'.", location: at(220, 11) },
    ],
  };
}

/** The example with functions added to features.py, each reading the nodes given. */
function withFunctions(added: Record<string, string[]>, extraEdges: [string, string][] = []): GraphResult {
  const nodes = Object.keys(added).map((id, i) => ({
    id, name: id, kind: 'function', tags: {}, function: id, module: 'features', type: 'float',
    location: { uri: FEATURES, range: { start: { line: 300 + 4 * i, character: 4 }, end: { line: 300 + 4 * i, character: 4 + id.length } } },
  }));
  const edges = Object.entries(added).flatMap(([id, inputs]) => inputs.map((source) => ({ source, target: id, optional: false })));
  return {
    ...graph,
    version: graph.version + 1,
    nodes: [...graph.nodes, ...nodes],
    edges: [...graph.edges, ...edges, ...extraEdges.map(([source, target]) => ({ source, target, optional: false }))],
  };
}

/** 4 modules of 80 chained functions (more than the overview threshold), each module feeding the next. */
function wideGraph(): GraphResult {
  const nodes: GraphResult['nodes'] = [];
  const edges: GraphResult['edges'] = [];
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < 80; i++) {
      const id = `m${k}_f${i}`;
      nodes.push({ id, name: id, kind: 'function', tags: {}, function: id, module: `m${k}`, type: 'int', location: null });
      if (i > 0) edges.push({ source: `m${k}_f${i - 1}`, target: id, optional: false });
      else if (k > 0) edges.push({ source: `m${k - 1}_f79`, target: id, optional: false });
    }
  }
  return { ...graph, dataflow: 'driver:/example/wide.py', dataflows: undefined, version: graph.version + 1, nodes, edges, problems: [] };
}

/** wideGraph with two functions of module m2 reported broken (an unknown dependency, a cycle) */
function wideGraphWithProblems(dataflow: string): GraphResult {
  const wide = wideGraph();
  const uri = 'file:///example/m2.py';
  const at = (line: number) => ({ uri, range: { start: { line, character: 4 }, end: { line, character: 9 } } });
  const broken: Record<string, number> = { m2_f10: 10, m2_f50: 50 };
  return {
    ...wide,
    dataflow,
    nodes: wide.nodes.map((n) => (n.id in broken ? { ...n, location: at(broken[n.id]!) } : n)),
    problems: [
      { code: 'LD002', severity: 'error', message: "'m2_f10' depends on 'm2_f9x', which no function produces", location: at(10) },
      { code: 'LD001', severity: 'error', message: "cycle m2_f50 -> m2_f50: 'm2_f50' depends on itself", location: at(50) },
    ],
  };
}

describe('lineage preview page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let pageFile: string;
  const cspViolations: string[] = [];

  const posted = (): Promise<{ type: string; node?: string; svg?: string; location?: unknown }[]> =>
    page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
  const send = (message: HostMessage): Promise<void> =>
    page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>);
  const renderedNodes = (): Promise<string[]> =>
    page.$$eval('g.node[data-node]', (els) => els.map((e) => (e as SVGGElement).dataset.node!).sort());
  const screenshot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(artifacts, name) });
  /** poll (waitForFunction evaluates strings, which the page's CSP forbids) */
  const until = async (what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const drawnCount = (): Promise<number> => page.evaluate(() => Number(document.body.dataset.drawn ?? 0));
  /** run `action`, then wait until the page has drawn again */
  const redraw = async (action: () => Promise<unknown>): Promise<void> => {
    const before = await drawnCount();
    await action();
    await until('a redraw', async () => (await drawnCount()) > before);
  };
  const classesOf = (id: string): Promise<string> =>
    page.$eval(`g.node[data-node="${id}"]`, (e) => e.getAttribute('class') ?? '');

  async function open(state?: unknown): Promise<Page> {
    const p = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    p.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text().slice(0, 160));
    });
    await p.addInitScript((initial) => {
      const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
      w.__posted = [];
      w.__state = initial;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => w.__posted.push(m),
        getState: () => w.__state,
        setState: (s: unknown) => (w.__state = s),
      });
    }, state);
    await p.goto(pathToFileURL(pageFile).href);
    return p;
  }

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const dist = path.join(clientRoot, 'dist');
    pageFile = path.join(clientRoot, 'out/test/webview/preview.html');
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
    page = await open();
    await until('ready', async () => (await posted()).some((m) => m.type === 'ready'));
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every node and edge of the example, @check_output internals folded into their function', async () => {
    assert.deepEqual(await renderedNodes(), drawnIds);
    const labels = await page.$$eval('g.node text', (els) => els.map((e) => e.textContent));
    assert.ok(labels.includes('age_normalized ✓'), 'the checked node carries a check mark');
    const edges = await page.$$eval('g.edge', (els) => els.map((e) => `${(e as SVGGElement).dataset.source}>${(e as SVGGElement).dataset.target}`));
    assert.ok(edges.includes('age>age_normalized'), 'the checked node reads what its body reads');
    assert.ok(!edges.some((e) => INTERNAL.test(e)), 'no edge to or from an internal node');
    assert.equal(await page.textContent('#title'), 'run.py (driver)');
    assert.match((await page.textContent('#status')) ?? '', new RegExp(`${drawnIds.length} of ${drawnIds.length} nodes drawn`));
    await screenshot('preview-example.png');
  });

  it(`opens with labels at least ${READABLE_PX} px tall`, async () => {
    const heights = await page.$$eval('g.node text', (els) => els.map((e) => e.getBoundingClientRect().height));
    assert.ok(heights.length > 0);
    assert.ok(Math.min(...heights) >= READABLE_PX, `smallest label ${Math.min(...heights).toFixed(1)} px`);
    // the file's nodes are outlined
    assert.match(await classesOf('age_mean'), /in-document/);
    assert.doesNotMatch(await classesOf('customers'), /in-document/);
    assert.match((await page.textContent('#legend')) ?? '', /thick outline: features\.py/);
  });

  it('draws in high-contrast themes with plain fills and thick borders', async () => {
    await page.evaluate(() => document.body.classList.add('vscode-high-contrast'));
    const style = await page.$eval('g.node[data-node="age"] polygon, g.node[data-node="age"] path', (e) => {
      const s = getComputedStyle(e);
      return { fill: s.fill, width: s.strokeWidth };
    });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(style.fill, background);
    assert.equal(style.width, '2px');
    await screenshot('preview-high-contrast.png');
    await page.evaluate(() => document.body.classList.remove('vscode-high-contrast'));
  });

  it('highlights the node under the cursor', async () => {
    await send({ type: 'cursor', node: 'age_mean' });
    await until('highlight', async () => (await page.$$('g.node.highlighted')).length === 1);
    assert.deepEqual(await page.$$eval('g.node.highlighted', (els) => els.map((e) => (e as SVGGElement).dataset.node)), ['age_mean']);
  });

  it('shows only the neighbourhood in focus mode', async () => {
    await redraw(() => page.check('#focus-mode'));
    await redraw(() => page.selectOption('#depth', '1'));
    assert.deepEqual(await renderedNodes(), ['age', 'age_mean', 'age_normalized']);
    await screenshot('preview-example-focus.png');
    await redraw(() => page.uncheck('#focus-mode'));
    assert.deepEqual(await renderedNodes(), drawnIds);
  });

  it('opens a details panel on click: sources with their tags, owners, PII, open code', async () => {
    await page.click('g.node[data-node="age_mean"]');
    await until('details', async () => !(await page.$eval('#details', (e) => (e as HTMLElement).hidden)));
    const text = (await page.textContent('#details')) ?? '';
    assert.match(text, /age_mean/);
    // `age` is a column of the CRM loader, tagged like it: the loader is the source
    assert.match(text, /Sources\s*customers \(loader, source=crm_db, owner=data-eng\)/);
    assert.doesNotMatch(text, /data_dir/, 'the loaded data is the source, not the path it is read from');
    assert.match(text, /Owners\s*data-eng/);
    assert.match(text, /PII\s*no PII-tagged node reaches it/);
    assert.match(await classesOf('age_mean'), /selected/);
    await page.click('#details >> text=Open code');
    assert.deepEqual((await posted()).filter((m) => m.type === 'openDefinition'), [{ type: 'openDefinition', node: 'age_mean' }]);
    await page.click('g.node[data-node="is_free_email"]');
    await until('PII row', async () => /PII\s*email/.test((await page.textContent('#details')) ?? ''));
    await screenshot('preview-example-details.png');
  });

  it('moves between nodes with the keyboard', async () => {
    await page.click('g.node[data-node="age_mean"]');
    await page.focus('#viewport');
    await page.keyboard.press('ArrowRight');
    await until('selection moved', async () => (await page.$$eval('g.node.selected', (els) => els.map((e) => (e as SVGGElement).dataset.node))).join() === 'age_normalized');
    await page.keyboard.press('ArrowLeft');
    await until('selection back', async () => /^age/.test((await page.$eval('g.node.selected', (e) => (e as SVGGElement).dataset.node ?? '')) ?? ''));
    await page.keyboard.press('Escape');
    await until('deselected', async () => (await page.$$('g.node.selected')).length === 0);
  });

  it('colours by a tag with untagged nodes neutral', async () => {
    await redraw(() => page.selectOption('#colour-by', 'owner'));
    const legend = await page.$$eval('.legend-entry', (els) => els.map((e) => e.textContent));
    assert.ok(legend.includes('untagged'));
    assert.ok(legend.includes('data-eng'));
    assert.match(await classesOf('age_mean'), /group-none/);
    assert.doesNotMatch(await classesOf('customers'), /group-none/);
    await screenshot('preview-example-colour-owner.png');
    await redraw(() => page.selectOption('#colour-by', 'kind'));
  });

  it("highlights what PII reaches, and filters to a tag", async () => {
    await redraw(() => page.selectOption('#highlight', 'PII=true'));
    assert.match(await classesOf('email'), /reach-seed/);
    assert.match(await classesOf('is_free_email'), /\breach\b/);
    assert.match(await classesOf('age_mean'), /\bdim\b/);
    await screenshot('preview-example-pii.png');
    await redraw(() => page.selectOption('#highlight', ''));
    await redraw(() => page.selectOption('#filter', 'owner=data-eng'));
    const owned = graph.nodes.filter((n) => n.tags.owner === 'data-eng' && !INTERNAL.test(n.id)).map((n) => n.id).sort();
    assert.deepEqual(await renderedNodes(), owned);
    await redraw(() => page.selectOption('#filter', ''));
  });

  it('finds a node with the search box', async () => {
    await page.fill('#search', 'churn_scores');
    await page.press('#search', 'Enter');
    await until('match', async () => (await page.$$('g.node.search-match')).length > 0);
    const matches = await page.$$eval('g.node.search-match', (els) => els.map((e) => (e as SVGGElement).dataset.node));
    assert.ok(matches.includes('churn_scores'));
    await page.fill('#search', '');
    await redraw(() => page.press('#search', 'Escape'));
  });

  it('zooms and exports a standalone SVG', async () => {
    const before = await page.$eval('#canvas', (e) => (e as HTMLElement).style.transform);
    await page.click('#zoom-in');
    assert.notEqual(await page.$eval('#canvas', (e) => (e as HTMLElement).style.transform), before);
    await page.click('#export-svg');
    const svg = (await posted()).find((m) => m.type === 'exportSvg')?.svg ?? '';
    assert.match(svg, /^<svg/);
    assert.doesNotMatch(svg, /var\(--/);
  });

  it('keeps every node in place when one is added or removed; a large change or Re-layout lays out afresh', async () => {
    type Rect = { x: number; y: number; w: number; h: number };
    /** each drawn node's shape as rendered on screen */
    const boxes = (): Promise<Record<string, Rect>> =>
      page.$$eval('g.node[data-node]', (els) =>
        Object.fromEntries(
          els.map((e) => {
            const r = e.querySelector('polygon, ellipse, path')!.getBoundingClientRect();
            return [(e as SVGGElement).dataset.node!, { x: r.x, y: r.y, w: r.width, h: r.height }];
          }),
        ),
      );
    const layoutKind = (): Promise<string | undefined> => page.evaluate(() => document.body.dataset.layout);
    const edgesDrawn = (): Promise<string[]> =>
      page.$$eval('g.edge', (els) => els.map((e) => `${(e as SVGGElement).dataset.source}>${(e as SVGGElement).dataset.target}`));
    const assertUnmoved = (before: Record<string, Rect>, after: Record<string, Rect>, ids: string[]): void => {
      for (const id of ids) {
        const [a, b] = [before[id]!, after[id]!];
        assert.ok(b, `${id} is still drawn`);
        assert.ok(Math.abs(a.x - b.x) <= 1 && Math.abs(a.y - b.y) <= 1, `${id} moved from ${a.x.toFixed(1)},${a.y.toFixed(1)} to ${b.x.toFixed(1)},${b.y.toFixed(1)}`);
      }
    };
    const intersects = (a: Rect, b: Rect): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
    await redraw(() => page.click('#relayout'));
    assert.equal(await layoutKind(), 'full');
    const original = await boxes();
    const old = Object.keys(original);

    // a function typed into features.py: one node, two edges
    await redraw(() => send({ type: 'graph', graph: withFunctions({ age_ratio: ['age_mean', 'age_stddev'] }), document: FEATURES, title: 'run.py (driver)' }));
    assert.equal(await layoutKind(), 'incremental');
    const added = await boxes();
    assertUnmoved(original, added, old);
    const fresh = added.age_ratio!;
    assert.ok(fresh, 'the new node is drawn');
    for (const id of old) assert.ok(!intersects(fresh, added[id]!), `age_ratio overlaps ${id}`);
    const edges = await edgesDrawn();
    assert.ok(edges.includes('age_mean>age_ratio') && edges.includes('age_stddev>age_ratio'), 'its edges are drawn');
    // right of what it reads
    assert.ok(fresh.x > Math.max(added.age_mean!.x + added.age_mean!.w, added.age_stddev!.x + added.age_stddev!.w));
    assert.match((await page.textContent('#status')) ?? '', /1 placed beside the layout/);
    assert.match((await page.getAttribute('#relayout', 'class')) ?? '', /stale/);
    await screenshot('preview-incremental-added.png');

    // an edge between nodes already drawn (no title this time: the toolbar reflows, the boxes stay)
    await redraw(() => send({ type: 'graph', graph: withFunctions({ age_ratio: ['age_mean', 'age_stddev'] }, [['email', 'tenure_months']]), document: FEATURES }));
    assert.equal(await layoutKind(), 'incremental');
    assertUnmoved(added, await boxes(), [...old, 'age_ratio']);
    assert.ok((await edgesDrawn()).includes('email>tenure_months'));

    // the function deleted again: the others stay
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
    assert.equal(await layoutKind(), 'incremental');
    const removed = await boxes();
    assert.deepEqual(Object.keys(removed).sort(), [...old].sort());
    assertUnmoved(original, removed, old);
    assert.doesNotMatch((await page.textContent('#status')) ?? '', /placed beside/, 'no box placed by hand is left');
    assert.doesNotMatch((await page.getAttribute('#relayout', 'class')) ?? '', /stale/);

    // Re-layout (the R key) lays out afresh: the same picture as a full layout of this graph
    await page.focus('#viewport');
    await redraw(() => page.keyboard.press('r'));
    assert.equal(await layoutKind(), 'full');
    assert.doesNotMatch((await page.getAttribute('#relayout', 'class')) ?? '', /stale/);

    // a large change (ten functions) is laid out afresh
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`extra_${i}`, [i % 2 ? 'age' : 'email']]));
    await redraw(() => send({ type: 'graph', graph: withFunctions(many), document: FEATURES }));
    assert.equal(await layoutKind(), 'full');
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
  });

  it('draws the hidden neighbours of a node when its ⊕ is clicked, and hides them again with its ⊖', async () => {
    // large enough to open as an overview of module boxes
    await redraw(() => send({ type: 'graph', graph: wideGraph(), document: null, title: 'wide.py (driver)' }));
    assert.deepEqual(await renderedNodes(), []);
    // the cursor in a folded node draws it with its neighbours: it carries ⊖, they carry ⊕
    await redraw(() => send({ type: 'cursor', node: 'm1_f40' }));
    assert.deepEqual(await renderedNodes(), ['m1_f39', 'm1_f40', 'm1_f41']);
    const mark = (id: string, kind: string): string => `g.node[data-node="${id}"] rect.mark-hit[data-mark="${kind}"]`;
    assert.equal((await page.$$(mark('m1_f40', 'collapse'))).length, 1);
    assert.equal((await page.$$(mark('m1_f40', 'expand'))).length, 0);
    assert.equal((await page.$$(mark('m1_f41', 'expand'))).length, 1);
    await redraw(() => page.click(mark('m1_f40', 'collapse')));
    assert.deepEqual(await renderedNodes(), ['m1_f40']);
    assert.equal((await page.$$(mark('m1_f40', 'collapse'))).length, 0);
    await redraw(() => page.click(mark('m1_f40', 'expand')));
    assert.deepEqual(await renderedNodes(), ['m1_f39', 'm1_f40', 'm1_f41']);
    assert.doesNotMatch(await classesOf('m1_f40'), /selected/, 'a mark does not select its node');
    // ⊕ on a neighbour draws the next one along
    await redraw(() => page.click(mark('m1_f41', 'expand')));
    assert.deepEqual(await renderedNodes(), ['m1_f39', 'm1_f40', 'm1_f41', 'm1_f42']);
    await screenshot('preview-overview-expanded.png');
    // the rest of the node still selects it, and draws nothing more
    await page.click('g.node[data-node="m1_f41"]', { position: { x: 12, y: 10 } });
    await until('m1_f41 selected', async () => /selected/.test(await classesOf('m1_f41')));
    assert.deepEqual(await renderedNodes(), ['m1_f39', 'm1_f40', 'm1_f41', 'm1_f42']);
    await page.keyboard.press('Escape');
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
    await send({ type: 'cursor', node: 'age_mean' });
    assert.deepEqual(await renderedNodes(), drawnIds);
  });

  it('centres on the node a code lens asks for, drawing it out of its folded module', async () => {
    /** how far the node's box centre is from the graph area's centre, in pixels */
    const offCentre = (id: string): Promise<number> =>
      page.evaluate((node) => {
        const box = document.querySelector(`g.node[data-node="${node}"]`)!.getBoundingClientRect();
        const view = document.querySelector('#viewport')!.getBoundingClientRect();
        return Math.hypot(box.x + box.width / 2 - (view.x + view.width / 2), box.y + box.height / 2 - (view.y + view.height / 2));
      }, id);
    await redraw(() => send({ type: 'graph', graph: wideGraph(), document: null, title: 'wide.py (driver)' }));
    assert.deepEqual(await renderedNodes(), []);
    await redraw(() => send({ type: 'reveal', node: 'm3_f70' }));
    assert.ok((await renderedNodes()).includes('m3_f70'));
    assert.ok((await offCentre('m3_f70')) < 5, `m3_f70 is ${await offCentre('m3_f70')} px off centre`);
    // a node already drawn: the view moves to it
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
    for (let i = 0; i < 4; i++) await page.click('#zoom-in');
    const before = await offCentre('age');
    await redraw(() => send({ type: 'reveal', node: 'age' }));
    assert.ok((await offCentre('age')) < 5 && before > 20, `age was ${before} px off centre, now ${await offCentre('age')}`);
    // a node the graph does not hold changes nothing
    const drawn = await drawnCount();
    await send({ type: 'reveal', node: 'no_such_node' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await drawnCount(), drawn);
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
  });

  it("a folded module's ⚠ draws its nodes with problems and selects the first, by click or keyboard", async () => {
    const hit = 'g.node[data-group="m2"] rect.mark-hit[data-mark="problem"]';
    await redraw(() => send({ type: 'graph', graph: wideGraphWithProblems('driver:/example/broken1.py'), document: null, title: 'broken1.py (driver)' }));
    assert.deepEqual(await renderedNodes(), []);
    const groupText = await page.$$eval('g.node[data-group="m2"] text', (els) => els.map((e) => e.textContent).join(' | '));
    assert.match(groupText, /⚠ 2 with problems/);
    assert.equal(await page.getAttribute(hit, 'role'), 'button');
    assert.equal(await page.getAttribute(hit, 'tabindex'), '0');
    assert.match((await page.getAttribute(hit, 'aria-label')) ?? '', /m2: draw its nodes with problems/);
    // the other modules have no mark to click
    assert.equal((await page.$$('g.node[data-group="m1"] rect.mark-hit')).length, 0);
    await screenshot('preview-overview-problems.png');
    await redraw(() => page.click(hit));
    assert.deepEqual(await renderedNodes(), ['m2_f10', 'm2_f50']);
    await until('the first problem node selected', async () => /selected/.test(await classesOf('m2_f10')));
    assert.match((await page.textContent('#details')) ?? '', /LD002.*m2_f9x.*go to problem/s);
    assert.match(await classesOf('m2_f10'), /problem-error/);
    await screenshot('preview-overview-problems-shown.png');
    await page.keyboard.press('Escape');

    // the keyboard: Tab reaches the mark, Enter acts
    await redraw(() => send({ type: 'graph', graph: wideGraphWithProblems('driver:/example/broken2.py'), document: null, title: 'broken2.py (driver)' }));
    assert.deepEqual(await renderedNodes(), []);
    await page.focus('#viewport');
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.matches('g.node[data-group="m2"] rect.mark-hit') ?? false);
    }
    assert.ok(reached, 'Tab reaches the module\'s ⚠');
    await redraw(() => page.keyboard.press('Enter'));
    assert.deepEqual(await renderedNodes(), ['m2_f10', 'm2_f50']);
    await until('the first problem node selected', async () => /selected/.test(await classesOf('m2_f10')));
    await page.keyboard.press('Escape');
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
  });

  it('draws problems: red cycle edges, a dashed phantom with its did-you-mean; clicking goes to the diagnostic', async () => {
    await redraw(() => send({ type: 'graph', graph: brokenGraph(), document: FEATURES, title: 'run.py (driver)' }));
    const cycle = await page.$$eval('g.edge.cycle', (els) => els.map((e) => `${(e as SVGGElement).dataset.source}>${(e as SVGGElement).dataset.target}`).sort());
    assert.deepEqual(cycle, ['cyc_a>cyc_b', 'cyc_b>cyc_a']);
    assert.equal(await page.$eval('g.edge.cycle path', (e) => getComputedStyle(e).stroke), 'rgb(229, 20, 0)');
    assert.match(await classesOf('custmers'), /phantom/);
    const phantomText = await page.$$eval('g.node[data-node="custmers"] text', (els) => els.map((e) => e.textContent).join(' '));
    assert.match(phantomText, /did you mean customers\?/);
    assert.match(await classesOf('cyc_a'), /problem-error/);
    assert.match(await classesOf('typo_node'), /problem-warning/);
    await page.click('#zoom-fit', { modifiers: ['Shift'] }); // the whole graph, however small
    await screenshot('preview-problems.png');
    await page.click('g.node[data-node="custmers"]');
    // the middle of the red line (an edge's box centre need not be on it)
    const middle = await page.$eval('g.edge.cycle path.hit', (e) => {
      const path = e as SVGPathElement;
      const point = path.getPointAtLength(path.getTotalLength() / 2).matrixTransform(path.getScreenCTM()!);
      return { x: point.x, y: point.y, target: (path.parentNode as SVGGElement).dataset.target };
    });
    await page.mouse.click(middle.x, middle.y);
    const opened = (await posted()).filter((m) => m.type === 'openProblem').map((m) => (m.location as { range: { start: { line: number } } }).range.start.line);
    // the cycle is reported at the parameter of the edge's consumer
    assert.deepEqual(opened.slice(-2), [200, middle.target === 'cyc_a' ? 210 : 220]);
    // a node's ⚠ goes to its problem, as the details panel's "go to problem" does
    const goTo = async (id: string): Promise<unknown[]> => {
      await page.click('#zoom-fit', { modifiers: ['Shift'] }); // the details panel took room: all of it again
      await page.click(`g.node[data-node="${id}"] rect.mark-hit[data-mark="problem"]`);
      return (await posted()).filter((m) => m.type === 'openProblem').map((m) => m.location);
    };
    const atCycA = await goTo('cyc_a');
    assert.deepEqual(atCycA.at(-1), brokenGraph().problems![1]!.location);
    const atTypo = await goTo('typo_node');
    assert.deepEqual(atTypo.at(-1), brokenGraph().problems![0]!.location);
    await page.click('g.node[data-node="typo_node"]');
    await page.click('#details >> text=go to problem');
    const fromPanel = (await posted()).filter((m) => m.type === 'openProblem');
    assert.deepEqual(fromPanel.at(-1), { type: 'openProblem', location: brokenGraph().problems![0]!.location });
    assert.equal(fromPanel.length, atTypo.length + 1);
    // the rest of the node selects it and goes nowhere
    await page.click('g.node[data-node="cyc_a"]', { position: { x: 40, y: 8 } });
    await until('cyc_a selected', async () => /selected/.test(await classesOf('cyc_a')));
    assert.equal((await posted()).filter((m) => m.type === 'openProblem').length, fromPanel.length);
  });

  it('offers the dataflows of a module that is in several, and asks for the one picked', async () => {
    const other = 'driver:/example/nightly.py';
    await redraw(() => send({ type: 'graph', graph: { ...graph, dataflows: [graph.dataflow, other] }, document: FEATURES, title: 'run.py (driver)' }));
    assert.equal(await page.$eval('#dataflow', (e) => (e as HTMLElement).hidden), false);
    const options = await page.$$eval('#dataflow option', (els) => els.map((e) => e.textContent));
    assert.deepEqual(options, ['run.py (driver)', 'nightly.py (driver)']);
    await page.selectOption('#dataflow', other);
    assert.deepEqual((await posted()).filter((m) => m.type === 'pickDataflow'), [{ type: 'pickDataflow', dataflow: other }]);
    await redraw(() => send({ type: 'graph', graph, document: FEATURES, title: 'run.py (driver)' }));
    assert.equal(await page.$eval('#dataflow', (e) => (e as HTMLElement).hidden), true);
  });

  it('explains an empty panel instead of showing an empty canvas', async () => {
    await redraw(() => send({ type: 'graph', graph: null, document: null, reason: 'This file belongs to no dataflow.' }));
    assert.equal(await page.$$eval('g.node', (els) => els.length), 0);
    assert.equal(await page.$eval('#empty', (e) => (e as HTMLElement).hidden), false);
    assert.match((await page.textContent('#empty')) ?? '', /belongs to no dataflow.*driver scripts/s);
    await screenshot('preview-empty.png');
    assert.deepEqual(cspViolations, []);
  });

  it('keeps its choices and document in the saved state, and comes back with them after a reload', async () => {
    await redraw(() => send({ type: 'graph', graph, document: FEATURES }));
    await redraw(() => page.selectOption('#colour-by', 'owner'));
    const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.equal((state as { document: string }).document, FEATURES);
    assert.equal((state as { colourBy: string }).colourBy, 'owner');
    // what VS Code does after "Reload Window": a new page with the saved state
    const reloaded = await open(state);
    const previous = page;
    page = reloaded;
    await until('ready', async () => (await posted()).some((m) => m.type === 'ready'));
    await redraw(() => send({ type: 'graph', graph, document: FEATURES }));
    assert.equal(await page.$eval('#colour-by', (e) => (e as HTMLSelectElement).value), 'owner');
    assert.deepEqual(await renderedNodes(), drawnIds);
    await previous.close();
  });
});
