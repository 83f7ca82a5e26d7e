// Lineage page benchmark: how fast generated dataflows open and how free the page stays while
// the worker lays out. Prints figures, asserts nothing (the tests in test/webview/ check behaviour).
//   node esbuild.mjs --production && node esbuild.mjs --tests
//   node scripts/bench-page.mjs [--python ../.venv/bin/python] [--runs 3]
// For each workspace (example, 2 × 100, 10 × 200 and 20 × 765 generated modules, bench/gen_dataflow.py):
// - first view: page load → first graph drawn (ms), and the smallest label height there (px);
// - expand: click a module group → drawn (ms), worker layout time;
// - stall: while "Expand all" lays out every node in the worker, the longest gap between 10 ms
//   timer ticks on the page's thread (ms) and the time a click on "+" takes to change the zoom;
// - a graph drawn node by node (the example): a function added (one node reading two) → redrawn
//   (ms, placed by hand: incremental), then "Re-layout" of the same graph (ms, the full layout).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const client = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(client, '..');
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const python = resolve(arg('--python', join(repo, '.venv/bin/python')));
const runs = Number(arg('--runs', '3'));
const dir = mkdtempSync(join(tmpdir(), 'livedag-bench-page-'));
const template = join(dir, 'template.html');
execFileSync(process.execPath, [join(client, 'scripts/build-page.mjs'), '--out', template], { stdio: 'pipe' });

function page(name, root) {
  const file = join(dir, `${name}.html`);
  execFileSync(python, ['-m', 'livedag.server.cli', 'graph', '--format', 'html', '-o', file, '.'], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, LIVEDAG_PAGE_TEMPLATE: template },
  });
  const nodes = JSON.parse(execFileSync(python, ['-m', 'livedag.server.cli', 'graph', '.'], { cwd: root, maxBuffer: 1 << 28 })).nodes.length;
  return { name, file, nodes };
}

function generated(modules, functions) {
  const root = join(dir, `ws-${modules}x${functions}`);
  mkdirSync(root, { recursive: true });
  execFileSync(python, [
    '-c',
    `import sys; sys.path.insert(0, ${JSON.stringify(join(repo, 'bench'))})\nfrom pathlib import Path\nfrom bench_workspace import generate\ngenerate(Path(${JSON.stringify(root)}), ${modules}, ${functions})`,
  ]);
  return page(`${modules}x${functions}`, root);
}

const until = async (p, check, value, ms = 600_000) => {
  const end = Date.now() + ms;
  while (!(await p.evaluate(check, value))) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const pages = [page('example', join(repo, 'examples')), generated(2, 100), generated(10, 200), generated(20, 765)];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  for (const { name, file, nodes } of pages) {
    const first = [];
    const labels = [];
    const expand = [];
    const stalls = [];
    const clicks = [];
    const incremental = [];
    const relayout = [];
    for (let run = 0; run < runs; run++) {
      const p = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const started = Date.now();
      await p.goto(pathToFileURL(file).href);
      await until(p, () => Number(document.body.dataset.drawn ?? 0) > 0);
      first.push(Date.now() - started);
      labels.push(await p.$$eval('g.node text', (els) => Math.min(...els.map((e) => e.getBoundingClientRect().height))));
      const group = await p.$eval('g.node[data-group]', (e) => e.dataset.group).catch(() => null);
      if (group === null) {
        const redrawn = (action) =>
          p.evaluate(async (what) => {
            const before = Number(document.body.dataset.drawn);
            const t = performance.now();
            if (what === 'relayout') document.getElementById('relayout').click();
            else {
              // graphDocument: the graph the page was written with (livedag graph --format html)
              const g = graphDocument; // eslint-disable-line no-undef
              const [a, b] = g.nodes.filter((n) => n.kind === 'function').slice(0, 2);
              const node = { ...a, id: 'bench_new', name: 'bench_new', function: 'bench_new' };
              const edges = [a, b].map((n) => ({ source: n.id, target: 'bench_new', optional: false }));
              window.postMessage({ type: 'graph', graph: { ...g, nodes: [...g.nodes, node], edges: [...g.edges, ...edges] }, document: null, title: g.title }, '*');
            }
            while (Number(document.body.dataset.drawn) === before) await new Promise((r) => setTimeout(r, 1));
            return { ms: performance.now() - t, layout: document.body.dataset.layout };
          }, action);
        const added = await redrawn('add');
        if (added.layout !== 'incremental') throw new Error(`adding one function gave a ${added.layout} layout`);
        incremental.push(added.ms);
        relayout.push((await redrawn('relayout')).ms);
      }
      if (group !== null) {
        const before = await p.evaluate(() => Number(document.body.dataset.drawn));
        const t = Date.now();
        await p.click(`g.node[data-group="${group}"]`);
        await until(p, (b) => Number(document.body.dataset.drawn) > b, before);
        expand.push(Date.now() - t);
        // everything at once: a long layout in the worker; probe the page's thread meanwhile
        await p.evaluate(() => {
          const w = window;
          w.__gaps = [];
          let last = performance.now();
          w.__probe = setInterval(() => {
            const now = performance.now();
            w.__gaps.push(now - last);
            last = now;
          }, 10);
        });
        await p.click('#overview');
        await p.waitForTimeout(1500);
        const zoomed = await p.evaluate(
          () =>
            new Promise((done) => {
              const canvas = document.getElementById('canvas');
              const before = canvas.style.transform;
              const t = performance.now();
              document.getElementById('zoom-in').addEventListener('click', () => done(canvas.style.transform !== before ? performance.now() - t : -1), { once: true });
              setTimeout(() => document.getElementById('zoom-in').click(), 0);
            }),
        );
        clicks.push(zoomed);
        stalls.push(await p.evaluate(() => Math.max(...window.__gaps) - 10));
      }
      await p.close();
    }
    const f = (xs, digits = 0) => (xs.length ? median(xs).toFixed(digits) : '-');
    console.log(
      `${name.padEnd(8)} ${String(nodes).padStart(6)} nodes | first view ${f(first)} ms, smallest label ${f(labels, 1)} px | ` +
        `expand a module ${f(expand)} ms | during full layout: longest stall ${f(stalls)} ms, click answered in ${f(clicks, 1)} ms | ` +
        `one function added ${f(incremental)} ms (placed), re-layout ${f(relayout)} ms (median of ${runs})`,
    );
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
