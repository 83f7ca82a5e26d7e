/**
 * The lineage preview page (runs inside the webview). It receives the dataflow graph from the
 * extension, lays it out with Graphviz (WebAssembly, bundled in this script), and lets the user
 * focus, colour, search, zoom, click through to code and export. The extension owns all state that
 * comes from VS Code; the page keeps only view choices (in the webview's saved state).
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { type Direction, type GraphNode, type GraphResult, type WebviewMessage, parseHostMessage } from '../protocol';
import { PALETTE_SIZE, colourGroups, neighbourhood, searchNodes, subgraph, tagKeys, toDot } from '../view';
import { standaloneSvg } from './export';
import { ZoomPan } from './zoom';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface ViewChoices {
  focus: boolean;
  depth: number | null;
  direction: Direction;
  colourBy: string;
}

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  search: $<HTMLInputElement>('search'),
  names: $<HTMLDataListElement>('node-names'),
  focus: $<HTMLInputElement>('focus-mode'),
  direction: $<HTMLSelectElement>('direction'),
  depth: $<HTMLSelectElement>('depth'),
  colourBy: $<HTMLSelectElement>('colour-by'),
  legend: $<HTMLDivElement>('legend'),
  viewport: $<HTMLElement>('viewport'),
  canvas: $<HTMLDivElement>('canvas'),
  status: $<HTMLElement>('status'),
};

const saved = (vscode.getState() ?? {}) as Partial<ViewChoices>;
const choices: ViewChoices = {
  focus: saved.focus ?? false,
  depth: saved.depth === undefined ? 2 : saved.depth,
  direction: saved.direction ?? 'both',
  colourBy: saved.colourBy ?? 'kind',
};

let graphviz: Graphviz | null = null;
let graph: GraphResult | null = null;
let emptyReason = 'Open a Python file of a dataflow.';
let cursorNode: string | null = null;
/** a node chosen in the search box; focus mode centres on it until the cursor moves */
let pinnedNode: string | null = null;
let lastLayoutKey = '';
let renderCount = 0;
let notice = '';
const zoom = new ZoomPan(ui.viewport, ui.canvas);

function focusCentre(): string | null {
  return pinnedNode ?? cursorNode;
}

function visibleGraph(full: GraphResult): GraphResult {
  const centre = focusCentre();
  if (!choices.focus || centre === null) return full;
  return subgraph(full, neighbourhood(full, centre, choices.depth, choices.direction));
}

function nodeTitle(node: GraphNode): string {
  const lines = [node.type ? `${node.name}: ${node.type}` : node.name, `${node.kind}${node.module ? ` in ${node.module}` : ''}`];
  const tags = Object.entries(node.tags).map(([k, v]) => `${k}=${String(v)}`);
  if (tags.length > 0) lines.push(tags.join(', '));
  if (node.doc) lines.push(node.doc);
  return lines.join('\n');
}

function render(): void {
  renderCount++;
  if (graphviz === null) return;
  if (graph === null) {
    ui.canvas.replaceChildren();
    ui.legend.replaceChildren();
    setStatus(emptyReason);
    finishRender();
    return;
  }
  updateColourChoices(graph);
  const groups = colourGroups(graph, choices.colourBy);
  const visible = visibleGraph(graph);
  const view = toDot(visible, { groups, highlighted: cursorNode });
  let svgText: string;
  try {
    svgText = graphviz.layout(view.dot, 'svg', 'dot');
  } catch (error) {
    setStatus(`Graphviz could not lay out the graph: ${String(error)}`);
    finishRender();
    return;
  }
  ui.canvas.innerHTML = svgText;
  const svg = ui.canvas.querySelector('svg');
  if (svg === null) return;
  const box = svg.viewBox.baseVal;
  svg.setAttribute('width', String(box.width));
  svg.setAttribute('height', String(box.height));
  const byElement = new Map([...view.elementIds].map(([id, element]) => [element, id]));
  const nodesById = new Map(visible.nodes.map((n) => [n.id, n]));
  for (const element of svg.querySelectorAll<SVGGElement>('g.node')) {
    const id = byElement.get(element.id);
    if (id === undefined) continue;
    element.dataset.node = id;
    const title = element.querySelector('title');
    if (title) title.textContent = nodeTitle(nodesById.get(id)!);
  }
  visible.edges.forEach((edge, i) => {
    const element = svg.querySelector<SVGGElement>(`#${view.edgeElementIds[i]}`);
    if (element === null) return;
    element.dataset.source = edge.source;
    element.dataset.target = edge.target;
    const title = element.querySelector('title');
    if (title) title.textContent = `${edge.source} → ${edge.target}${edge.optional ? ' (optional)' : ''}`;
  });
  const layoutKey = `${graph.dataflow}|${choices.focus ? `${focusCentre()}|${choices.depth}|${choices.direction}` : ''}`;
  if (layoutKey !== lastLayoutKey) zoom.fit(box.width, box.height);
  else zoom.apply();
  lastLayoutKey = layoutKey;
  renderLegend(groups.legend);
  markSearchMatches();
  const centre = focusCentre();
  const focusNote =
    choices.focus && centre === null ? ' · focus: put the cursor in a function or search for a node' : '';
  setStatus(
    `${graph.dataflow} · ${visible.nodes.length} of ${graph.nodes.length} nodes · ${visible.edges.length} edges${focusNote}`,
  );
  finishRender();
}

function finishRender(): void {
  document.body.dataset.render = String(renderCount);
}

function setStatus(text: string): void {
  ui.status.textContent = notice ? `${text} — ${notice}` : text;
}

function updateColourChoices(full: GraphResult): void {
  const options = ['kind', ...tagKeys(full)];
  if (!options.includes(choices.colourBy)) choices.colourBy = 'kind';
  const current = [...ui.colourBy.options].map((o) => o.value);
  if (current.join('\n') !== options.join('\n')) {
    ui.colourBy.replaceChildren(
      ...options.map((value) => {
        const option = document.createElement('option');
        option.value = value;
        option.textContent = value === 'kind' ? 'kind' : `tag: ${value}`;
        return option;
      }),
    );
  }
  ui.colourBy.value = choices.colourBy;
  ui.names.replaceChildren(
    ...full.nodes.map((n) => {
      const option = document.createElement('option');
      option.value = n.name;
      return option;
    }),
  );
}

function renderLegend(legend: string[]): void {
  const title = document.createElement('span');
  title.className = 'legend-title';
  title.textContent = choices.colourBy === 'kind' ? 'kind' : choices.colourBy;
  const entries = legend.map((label, i) => {
    const entry = document.createElement('span');
    entry.className = 'legend-entry';
    const swatch = document.createElement('span');
    swatch.className = `swatch group-${i % PALETTE_SIZE}`;
    entry.append(swatch, document.createTextNode(label));
    return entry;
  });
  ui.legend.replaceChildren(title, ...entries);
}

/** Highlight without a new layout: the cursor moved and focus mode is off. */
function markHighlight(): void {
  for (const element of ui.canvas.querySelectorAll<SVGGElement>('g.node')) {
    element.classList.toggle('highlighted', element.dataset.node === cursorNode);
  }
}

function markSearchMatches(): void {
  const matches = graph === null ? new Set<string>() : new Set(searchNodes(graph, ui.search.value));
  for (const element of ui.canvas.querySelectorAll<SVGGElement>('g.node')) {
    element.classList.toggle('search-match', matches.has(element.dataset.node ?? ''));
  }
}

function elementOf(id: string): SVGGElement | null {
  for (const element of ui.canvas.querySelectorAll<SVGGElement>('g.node')) {
    if (element.dataset.node === id) return element;
  }
  return null;
}

function pickSearchResult(): void {
  if (graph === null) return;
  const [first] = searchNodes(graph, ui.search.value);
  if (first === undefined) {
    notice = `no node matches "${ui.search.value}"`;
    render();
    notice = '';
    return;
  }
  pinnedNode = first;
  if (choices.focus) render();
  const element = elementOf(first);
  if (element) {
    // content coordinates: screen offset from the (transformed) canvas, undone by the scale
    const box = element.getBoundingClientRect();
    const origin = ui.canvas.getBoundingClientRect();
    const k = zoom.transform.k || 1;
    zoom.centerOn((box.left + box.width / 2 - origin.left) / k, (box.top + box.height / 2 - origin.top) / k);
  }
  markSearchMatches();
}

function saveChoices(): void {
  vscode.setState(choices);
}

function wireControls(): void {
  ui.focus.checked = choices.focus;
  ui.direction.value = choices.direction;
  ui.depth.value = choices.depth === null ? 'all' : String(choices.depth);
  ui.focus.addEventListener('change', () => {
    choices.focus = ui.focus.checked;
    saveChoices();
    render();
  });
  ui.direction.addEventListener('change', () => {
    choices.direction = ui.direction.value as Direction;
    saveChoices();
    render();
  });
  ui.depth.addEventListener('change', () => {
    choices.depth = ui.depth.value === 'all' ? null : Number(ui.depth.value);
    saveChoices();
    render();
  });
  ui.colourBy.addEventListener('change', () => {
    choices.colourBy = ui.colourBy.value;
    saveChoices();
    render();
  });
  ui.search.addEventListener('input', markSearchMatches);
  ui.search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') pickSearchResult();
    if (event.key === 'Escape') {
      ui.search.value = '';
      pinnedNode = null;
      render();
    }
  });
  $('zoom-in').addEventListener('click', () => zoom.zoomBy(1.25));
  $('zoom-out').addEventListener('click', () => zoom.zoomBy(0.8));
  $('zoom-fit').addEventListener('click', () => {
    const box = ui.canvas.querySelector('svg')?.viewBox.baseVal;
    if (box) zoom.fit(box.width, box.height);
  });
  $('export-svg').addEventListener('click', () => {
    const svg = ui.canvas.querySelector('svg');
    if (svg) vscode.postMessage({ type: 'exportSvg', svg: standaloneSvg(svg) });
  });
  ui.canvas.addEventListener('click', (event) => {
    if (zoom.suppressClick) return;
    const element = (event.target as Element).closest<SVGGElement>('g.node');
    const id = element?.dataset.node;
    if (id !== undefined) vscode.postMessage({ type: 'openDefinition', node: id });
  });
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (message === undefined) return;
  switch (message.type) {
    case 'graph':
      graph = message.graph;
      emptyReason = message.reason ?? 'Open a Python file of a dataflow.';
      if (pinnedNode !== null && !graph?.nodes.some((n) => n.id === pinnedNode)) pinnedNode = null;
      render();
      return;
    case 'cursor': {
      if (message.node === cursorNode) return;
      cursorNode = message.node;
      if (message.node !== null) pinnedNode = null;
      if (choices.focus) render();
      else markHighlight();
      return;
    }
    case 'status':
      notice = message.text;
      render();
      notice = '';
      return;
  }
});

wireControls();
Graphviz.load().then(
  (loaded) => {
    graphviz = loaded;
    render();
    vscode.postMessage({ type: 'ready' });
  },
  (error: unknown) => {
    setStatus(`Could not load Graphviz: ${String(error)}`);
  },
);
