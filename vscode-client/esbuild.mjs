// Bundles the extension (node, cjs), the webview page (browser, iife) with its layout worker
// (Graphviz wasm inlined, the worker's source inlined into the page as text) and, with --tests, the
// test files. Nothing is fetched at run time: everything lands in dist/.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

// The layout worker, bundled on its own and handed to the page as the module 'layout-worker-source'.
async function workerSource() {
  const result = await esbuild.build({
    ...common,
    sourcemap: false,
    minify: true,
    write: false,
    entryPoints: ['src/preview/page/layout-worker.ts'],
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
  return result.outputFiles[0].text;
}

const workerPlugin = {
  name: 'layout-worker-source',
  setup(build) {
    build.onResolve({ filter: /^layout-worker-source$/ }, () => ({ path: 'layout-worker-source', namespace: 'worker' }));
    build.onLoad({ filter: /.*/, namespace: 'worker' }, async () => ({
      contents: `export default ${JSON.stringify(await workerSource())};`,
      loader: 'js',
    }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { webview: 'src/preview/page/main.ts', 'webview-style': 'src/preview/page/style.css' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    plugins: [workerPlugin],
  },
];

function testEntries(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f));
}

if (tests) {
  for (const suite of ['unit', 'webview', 'e2e']) {
    builds.push({
      ...common,
      sourcemap: true,
      entryPoints: testEntries(`test/${suite}`),
      outdir: `out/test/${suite}`,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'playwright-core'],
      plugins: [workerPlugin],
    });
  }
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
