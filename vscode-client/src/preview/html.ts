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
  <input id="search" type="search" placeholder="Find node" aria-label="Find node" list="node-names" autocomplete="off">
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
  <label>Colour by <select id="colour-by" aria-label="Colour by"><option value="kind">kind</option></select></label>
  <span class="spacer"></span>
  <button id="zoom-out" title="Zoom out" aria-label="Zoom out">−</button>
  <button id="zoom-fit" title="Fit to window" aria-label="Fit">Fit</button>
  <button id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
  <button id="export-svg" title="Save the graph as SVG">Export SVG</button>
</header>
<div id="legend" class="legend"></div>
<main id="viewport" tabindex="0"><div id="canvas"></div></main>
<footer id="status" class="status">Loading…</footer>
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
