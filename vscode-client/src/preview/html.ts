/**
 * The webview page's HTML. Everything it loads comes from the extension's dist/ folder (script,
 * style, Graphviz compiled to WebAssembly inside the script), under a strict Content Security
 * Policy: no network, scripts only with this page's nonce, WebAssembly compilation allowed.
 */

export interface PageResources {
  /** the webview's `cspSource` (origin its resources are served from) */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function contentSecurityPolicy(resources: Pick<PageResources, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${resources.cspSource} data:`,
    `style-src ${resources.cspSource}`,
    `font-src ${resources.cspSource}`,
    `script-src 'nonce-${resources.nonce}' 'wasm-unsafe-eval'`,
    // the layout worker starts from a Blob URL of its bundled source (see page/layout.ts)
    'worker-src blob:',
  ].join('; ');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function previewHtml(resources: PageResources): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(resources))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(resources.styleUri)}">
<title>Lineage</title>
</head>
<body>
<header class="toolbar">
  <strong id="title" class="title">Lineage</strong>
  <select id="dataflow" aria-label="Dataflow" title="This file is in several dataflows: which one to draw" hidden></select>
  <input id="search" type="search" placeholder="Find node ( / )" aria-label="Find node" list="node-names" autocomplete="off">
  <datalist id="node-names"></datalist>
  <label title="Show only the node under the cursor and its neighbours"><input id="focus-mode" type="checkbox"> Focus</label>
  <select id="direction" aria-label="Direction">
    <option value="both">up &amp; downstream</option>
    <option value="upstream">upstream</option>
    <option value="downstream">downstream</option>
  </select>
  <select id="depth" aria-label="Depth">
    <option value="1">depth 1</option>
    <option value="2" selected>depth 2</option>
    <option value="3">depth 3</option>
    <option value="all">all</option>
  </select>
  <label title="Colour nodes by kind or by a tag">Colour <select id="colour-by" aria-label="Colour by"><option value="kind">kind</option></select></label>
  <label title="Highlight the nodes with this tag and everything they reach">Highlight <select id="highlight" aria-label="Highlight a tag's reach"><option value="">none</option></select></label>
  <label title="Show only nodes with this tag">Filter <select id="filter" aria-label="Filter to a tag"><option value="">all nodes</option></select></label>
  <span class="spacer"></span>
  <button id="overview" title="Fold the graph into its modules, or draw every node" hidden>Overview</button>
  <button id="relayout" title="Re-layout (R): lay the graph out afresh. Small changes are placed beside the layout so nothing moves" aria-label="Re-layout">⟳</button>
  <button id="zoom-out" title="Zoom out" aria-label="Zoom out">−</button>
  <button id="zoom-fit" title="Fit, keeping labels readable (Shift: the whole graph, however small)" aria-label="Fit">Fit</button>
  <button id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
  <button id="export-svg" title="Save the graph as SVG">Export SVG</button>
</header>
<div id="legend" class="legend"></div>
<div class="body">
  <main id="viewport" tabindex="0" aria-label="Lineage graph: arrows move between nodes, Enter opens the code, + and − show or hide a node's neighbours, R lays the graph out afresh">
    <div id="canvas"></div>
    <div id="empty" class="empty" hidden></div>
  </main>
  <aside id="details" class="details" hidden aria-label="Node details"></aside>
</div>
<footer id="status" class="status" role="status">Loading…</footer>
<script nonce="${attr(resources.nonce)}" src="${attr(resources.scriptUri)}"></script>
</body>
</html>
`;
}

/** A random nonce for the page's script tag. */
export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let nonce = '';
  for (let i = 0; i < 32; i++) nonce += chars.charAt(Math.floor(random() * chars.length));
  return nonce;
}

/** Where `livedag graph --format html` puts the graph document (JSON, `<` escaped) in the template. */
export const GRAPH_PLACEHOLDER = '/*LIVEDAG_GRAPH_JSON*/null';
export const TITLE_PLACEHOLDER = 'LIVEDAG_TITLE';

/**
 * The same page as one self-contained file, for `livedag graph --format html`: style and script
 * inlined, no network (the CSP allows nothing from outside), a stand-in for the VS Code API that
 * hands the embedded graph to the page and answers "open code" with the file and line.
 */
export function standaloneHtml(style: string, script: string): string {
  const csp = [
    "default-src 'none'",
    'img-src data:',
    "style-src 'unsafe-inline'",
    "script-src 'unsafe-inline' 'wasm-unsafe-eval'",
    'worker-src blob:',
  ].join('; ');
  const page = previewHtml({ cspSource: '', nonce: 'standalone', scriptUri: '', styleUri: '' });
  const host = `
const graphDocument = ${GRAPH_PLACEHOLDER};
let state;
function where(location) {
  if (!location) return 'not in the code (an input or config value)';
  const path = decodeURIComponent(location.uri.replace(/^file:\\/\\//, ''));
  return path + ':' + (location.range.start.line + 1) + ':' + (location.range.start.character + 1);
}
function say(text) { window.postMessage({ type: 'status', text }, '*'); }
window.acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (s) => { state = s; },
  postMessage: (m) => {
    if (m.type === 'ready') {
      window.postMessage({ type: 'graph', graph: graphDocument, document: null, title: graphDocument ? graphDocument.title : undefined,
        reason: graphDocument ? undefined : 'No graph was written into this page.' }, '*');
    } else if (m.type === 'openDefinition') {
      const node = graphDocument && graphDocument.nodes.find((n) => n.id === m.node);
      say(m.node + ' is defined at ' + where(node && node.location));
    } else if (m.type === 'openProblem') {
      say('the problem is at ' + where(m.location));
    } else if (m.type === 'exportSvg') {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([m.svg], { type: 'image/svg+xml' }));
      a.download = 'lineage.svg';
      a.click();
    }
  },
});`;
  return page
    .replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">`)
    .replace(/<link rel="stylesheet" href="">/, () => `<style>\n${style}\n</style>`)
    .replace('<title>Lineage</title>', `<title>${TITLE_PLACEHOLDER}</title>`)
    .replace(/<script nonce="standalone" src=""><\/script>/, () => `<script>${host}\n</script>\n<script>\n${script.replace(/<\/script/gi, '<\\/script')}\n</script>`);
}
