// Bundles the extension (node, cjs), the webview page (browser, iife, Graphviz wasm inlined) and,
// with --tests, the test files. Nothing is fetched at run time: everything lands in dist/.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

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
    });
  }
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
