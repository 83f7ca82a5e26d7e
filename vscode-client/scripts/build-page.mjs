// Writes the standalone lineage page template for `livedag graph --format html`
// (server/output/page/graph.html): the webview page with its style and script inlined. Run after
// `node esbuild.mjs --production`; scripts/test-vscode.sh checks the committed copy is current.
//   node scripts/build-page.mjs [--out PATH]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const client = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? resolve(process.argv[outAt + 1]) : resolve(client, '../server/output/page/graph.html');
// html.ts is TypeScript: bundle it for Node on the fly
const built = await esbuild.build({
  entryPoints: [resolve(client, 'src/preview/html.ts')],
  bundle: true,
  write: false,
  platform: 'node',
  format: 'esm',
});
const { standaloneHtml } = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
const style = readFileSync(resolve(client, 'dist/webview-style.css'), 'utf8');
const script = readFileSync(resolve(client, 'dist/webview.js'), 'utf8');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, standaloneHtml(style, script));
console.log(`wrote ${out}`);
