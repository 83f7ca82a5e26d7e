/**
 * The lineage preview page (runs inside the webview, and as `livedag graph --format html`). It
 * receives the dataflow graph, lays it out with Graphviz in a Web Worker (so the panel never
 * freezes), and opens readable: labels >= 11 px, around the cursor when the whole graph cannot be
 * readable. Large graphs open as an overview of module groups, expanded on click; problems are
 * drawn on the graph; selecting a node opens a details panel. The extension owns all state that
 * comes from VS Code; the page keeps only view choices (in the webview's saved state, which also
 * lets the panel come back after a reload).
 */
import { type DrawOptions, type Drawing, FONT_SIZE, READABLE_PX, drawDotAsync, edgeKey } from '../dot';
import {
  type Folded,
  GROUP_PREFIX,
  type Lineage,
  OVERVIEW_THRESHOLD,
  type ProblemMarks,
  dataflowTitle,
  fold,
  groupOf,
  lineage,
  problemMarks,
  tagReach,
  tagText,
  tagValues,
  withoutInternals,
} from '../model';
import { type Direction, type GraphNode, type GraphProblem, type GraphResult, type WebviewMessage, parseHostMessage } from '../protocol';
import { PALETTE_SIZE, colourGroups, neighbourhood, sameUri, searchNodes, subgraph, tagKeys } from '../view';
import { standaloneSvg } from './export';
import { type Box, type Geometry, type NewBox, bowedRoute, changeBetween, firstOverlap, isSmall, parseGeometry, placeBoxes, settle, simpleRoute } from '../placement';
import { Cancelled, type LayoutResult, Layouts } from './layout';
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
  /** `key=value` whose downstream is highlighted, '' for none */
  highlight: string;
  /** `key=value` the graph is filtered to, '' for none */
  filter: string;
}

interface SavedState extends Partial<ViewChoices> {
  /** the document the panel showed (the serializer reopens the panel on it after a reload) */
  document?: string | null;
}

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  title: $<HTMLElement>('title'),
  dataflow: $<HTMLSelectElement>('dataflow'),
  search: $<HTMLInputElement>('search'),
  names: $<HTMLDataListElement>('node-names'),
  focus: $<HTMLInputElement>('focus-mode'),
  direction: $<HTMLSelectElement>('direction'),
  depth: $<HTMLSelectElement>('depth'),
  colourBy: $<HTMLSelectElement>('colour-by'),
  highlight: $<HTMLSelectElement>('highlight'),
  filter: $<HTMLSelectElement>('filter'),
  legend: $<HTMLDivElement>('legend'),
  viewport: $<HTMLElement>('viewport'),
  canvas: $<HTMLDivElement>('canvas'),
  empty: $<HTMLDivElement>('empty'),
  details: $<HTMLElement>('details'),
  status: $<HTMLElement>('status'),
  overview: $<HTMLButtonElement>('overview'),
  relayout: $<HTMLButtonElement>('relayout'),
};

const saved = (vscode.getState() ?? {}) as SavedState;
const choices: ViewChoices = {
  focus: saved.focus ?? false,
  depth: saved.depth === undefined ? 2 : saved.depth,
  direction: saved.direction ?? 'both',
  colourBy: saved.colourBy ?? 'kind',
  highlight: saved.highlight ?? '',
  filter: saved.filter ?? '',
};
let documentUri: string | null = saved.document ?? null;

/** Everything derived from one graph message. */
interface Model {
  raw: GraphResult;
  /** the graph as drawn (`@check_output` internals folded into their function) */
  graph: GraphResult;
  byId: Map<string, GraphNode>;
  lineage: Lineage;
  marks: ProblemMarks;
  /** node id → problems (internals' problems moved to their function) */
  problems: Map<string, GraphProblem[]>;
  cycle: Set<number>;
  checked: Set<string>;
  title: string;
  /** per-graph lists for the menus (kept: a redraw of a 20,000-node graph must not redo them) */
  tagKeys: string[];
  tagValues: string[];
  colours: Map<string, ReturnType<typeof colourGroups>>;
}

let model: Model | null = null;
/** a graph message (possibly "no graph") has arrived */
let received = false;
let emptyReason = 'Open a Python file of a dataflow.';
let cursorNode: string | null = null;
let selected: string | null = null;
/** a node chosen in the search box; focus mode centres on it until the cursor moves */
let pinnedNode: string | null = null;
let notice = '';
/** overview state: null when the graph is drawn node by node; `opened`: nodes whose neighbours + drew */
let folding: { expanded: Set<string>; revealed: Set<string>; opened: Set<string> } | null = null;
let shown: { folded: Folded; items: Map<string, string>; edges: Map<string, number>; graph: GraphResult } | null = null;
let lastViewKey = '';
/** a node to bring into view once the next layout is drawn (an expanded group's first node) */
let centreAfterRender: string | null = null;
let renderCount = 0;
let drawn = 0;
/** Up to this many boxes, layouts keep their geometry so the next small change can be placed by hand. */
const POSITIONED_MAX = 3000;
/** What is on screen, for the next incremental layout (null: the last layout kept no geometry). */
let placed: { geometry: Geometry; sizeKeys: Map<string, string>; viewKey: string; rankdir: string; byHand: Set<string> } | null = null;
/** the next render lays the graph out afresh and fits it (the Re-layout button) */
let relayoutWanted = false;
let relayoutFit = false;
const layouts = new Layouts();
const zoom = new ZoomPan(ui.viewport, ui.canvas);

function saveState(): void {
  vscode.setState({ ...choices, document: documentUri } satisfies SavedState);
}

function makeModel(raw: GraphResult, title: string | undefined): Model {
  const full = lineage(raw);
  const graph = withoutInternals(raw, full.internals);
  const marks = problemMarks(raw);
  const problems = new Map<string, GraphProblem[]>();
  for (const [id, list] of marks.byNode) {
    const owner = full.internals.get(id) ?? id;
    problems.set(owner, [...(problems.get(owner) ?? []), ...list]);
  }
  // cycle edges, as indexes into the drawn graph's edges
  const cyclePairs = new Set([...marks.cycle.keys()].map((i) => `${raw.edges[i]!.source}\u0000${raw.edges[i]!.target}`));
  const cycle = new Set<number>();
  graph.edges.forEach((e, i) => {
    if (cyclePairs.has(`${e.source}\u0000${e.target}`)) cycle.add(i);
  });
  return {
    raw,
    graph,
    byId: new Map(raw.nodes.map((n) => [n.id, n])),
    lineage: full,
    marks,
    problems,
    cycle,
    checked: new Set(full.internals.values()),
    title: title ?? raw.dataflow,
    tagKeys: tagKeys(graph),
    tagValues: tagValues(graph),
    colours: new Map(),
  };
}

function focusCentre(): string | null {
  return pinnedNode ?? cursorNode;
}

function tagPair(text: string): [string, string] | null {
  const at = text.indexOf('=');
  return at < 0 ? null : [text.slice(0, at), text.slice(at + 1)];
}

/** What is drawn: the graph, filtered to a tag, narrowed to the focus, folded into groups. */
function visibleGraph(m: Model): GraphResult {
  let g = m.graph;
  const filter = tagPair(choices.filter);
  if (filter) {
    const keep = new Set(g.nodes.filter((n) => n.tags[filter[0]] !== undefined && tagText(n.tags[filter[0]]) === filter[1]).map((n) => n.id));
    g = subgraph(g, keep);
  }
  const centre = focusCentre();
  if (choices.focus && centre !== null) g = subgraph(g, neighbourhood(g, centre, choices.depth, choices.direction));
  return g;
}

function nodeTitle(node: GraphNode): string {
  const lines = [node.type ? `${node.name}: ${node.type}` : node.name, `${node.kind}${node.module ? ` in ${node.module}` : ''}`];
  const tags = Object.entries(node.tags).map(([k, v]) => `${k}=${tagText(v)}`);
  if (tags.length > 0) lines.push(tags.join(', '));
  if (node.doc) lines.push(node.doc);
  for (const problem of model?.problems.get(node.id) ?? []) lines.push(`⚠ ${problem.code}: ${problem.message}`);
  return lines.join('\n');
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** the marks in a node's label that act on their own when clicked */
const MARKS: Record<string, { mark: string; title: string }> = {
  '⚠': { mark: 'problem', title: 'click: go to the problem' },
  '⊕': { mark: 'expand', title: 'click: draw the hidden neighbours (+)' },
  '⊖': { mark: 'collapse', title: 'click: hide the neighbours again (−)' },
};

/**
 * Make the nodes' ⚠, ⊕ and ⊖ clickable: each becomes a tspan, covered by a transparent box a little
 * larger than the glyph (a glyph alone is a small target). Both carry `data-mark`. All glyphs are
 * split first and measured after, so a graph with many marks is laid out once, not once per mark.
 */
function clickableMarks(elements: SVGGElement[]): void {
  const spans: [SVGGElement, SVGTSpanElement, { mark: string; title: string }][] = [];
  for (const element of elements) {
    for (const text of element.querySelectorAll('text')) {
      const content = text.textContent ?? '';
      if (!/[⚠⊕⊖]/.test(content)) continue;
      text.replaceChildren();
      for (const part of content.split(/([⚠⊕⊖])/)) {
        const mark = MARKS[part];
        if (mark === undefined) {
          if (part !== '') text.append(part);
          continue;
        }
        const span = document.createElementNS(SVG_NS, 'tspan');
        span.classList.add('mark', `mark-${mark.mark}`);
        span.dataset.mark = mark.mark;
        span.textContent = part;
        text.append(span);
        spans.push([element, span, mark]);
      }
    }
  }
  const boxes: [SVGGElement, DOMRect, { mark: string; title: string }][] = [];
  for (const [element, span, mark] of spans) {
    try {
      // on a folded module the whole "⚠ N with problems" line is the target
      const extent = element.dataset.group !== undefined ? (span.parentNode as SVGTextElement).getBBox() : span.getExtentOfChar(0);
      if (extent.width > 0) boxes.push([element, extent, mark]);
    } catch {
      // not laid out (a hidden panel): the glyph itself stays clickable
    }
  }
  const pad = 4;
  for (const [element, extent, mark] of boxes) {
    const box = document.createElementNS(SVG_NS, 'rect');
    box.classList.add('mark-hit');
    box.dataset.mark = mark.mark;
    box.setAttribute('x', String(extent.x - pad));
    box.setAttribute('y', String(extent.y - pad));
    box.setAttribute('width', String(extent.width + 2 * pad));
    box.setAttribute('height', String(extent.height + 2 * pad));
    const title = document.createElementNS(SVG_NS, 'title');
    title.textContent = mark.title;
    box.append(title);
    element.append(box);
  }
}

function outlinedNodes(m: Model): Set<string> {
  const out = new Set<string>();
  if (documentUri === null) return out;
  for (const node of m.graph.nodes) if (node.location && sameUri(node.location.uri, documentUri)) out.add(node.id);
  return out;
}

function showEmpty(text: string | null): void {
  ui.empty.hidden = text === null;
  ui.empty.replaceChildren();
  if (text === null) return;
  const head = document.createElement('p');
  head.className = 'empty-title';
  head.textContent = text;
  const help = document.createElement('p');
  help.textContent =
    'A dataflow is a set of modules whose functions are nodes. livedag finds them from driver scripts ' +
    '(driver.Builder().with_modules(...)), from [tool.livedag] dataflows in pyproject.toml, or takes a module ' +
    'with Hamilton-style functions on its own. Open such a module, or a driver script, to see its graph here.';
  ui.empty.append(head, help);
}

/** Lay out and draw. Returns once drawn (or dropped because a newer render started). */
async function render(): Promise<void> {
  const count = ++renderCount;
  const m = model;
  if (m === null) {
    layouts.cancel();
    placed = null;
    ui.canvas.replaceChildren();
    ui.legend.replaceChildren();
    ui.title.textContent = 'Lineage';
    // before the first graph message there is nothing to explain yet
    showEmpty(received ? emptyReason : null);
    showDetails();
    setStatus(received ? emptyReason : 'Waiting for the graph…');
    if (received) drawn++;
    finishRender(count);
    return;
  }
  // where the viewport is before the toolbar and legend change (an incremental redraw holds the boxes still on screen)
  const viewportBefore = ui.viewport.getBoundingClientRect();
  ui.title.textContent = m.title;
  const flows = m.raw.dataflows ?? [];
  ui.dataflow.hidden = flows.length < 2;
  ui.title.hidden = flows.length >= 2;
  if (flows.length >= 2) setOptions(ui.dataflow, flows.map((d): [string, string] => [d, d === m.raw.dataflow ? m.title : dataflowTitle(d)]), m.raw.dataflow);
  updateChoices(m);
  const visible = visibleGraph(m);
  if (visible.nodes.length === 0) {
    showEmpty(
      m.graph.nodes.length === 0
        ? `${m.title} has no nodes yet.`
        : `No node matches the filter ${choices.filter}.`,
    );
  } else showEmpty(null);
  const colours = m.colours.get(choices.colourBy) ?? colourGroups(m.graph, choices.colourBy);
  m.colours.set(choices.colourBy, colours);
  const problemNodes = new Set(m.problems.keys());
  const folded = fold(visible, folding, problemNodes);
  const highlight = tagPair(choices.highlight);
  const reach = highlight ? tagReach(m.graph, highlight[0], highlight[1]) : null;
  const expandable = new Set<string>();
  if (folding) {
    for (const node of folded.nodes) {
      const around = [...m.lineage.upstream(node.id), ...m.lineage.downstream(node.id)];
      if (around.some((id) => folded.itemOf.get(id)?.startsWith(GROUP_PREFIX))) expandable.add(node.id);
    }
  }
  const phantoms = new Map([...m.marks.phantoms].map(([id, p]) => [id, p.didYouMean]));
  // drawn edges' indexes refer to `visible.edges`; cycle marks are indexes into m.graph.edges
  const cycleVisible = new Set<number>();
  if (m.cycle.size > 0) {
    const index = new Map(m.graph.edges.map((e, i) => [`${e.source}\u0000${e.target}`, i]));
    visible.edges.forEach((e, i) => {
      if (m.cycle.has(index.get(`${e.source}\u0000${e.target}`) ?? -1)) cycleVisible.add(i);
    });
  }
  const nodeCount = folded.nodes.length + folded.groups.length;
  setStatus(`${m.title} · laying out ${nodeCount.toLocaleString()} boxes…`, true);
  const options: DrawOptions = {
    colours,
    problems: m.problems,
    phantoms,
    cycle: cycleVisible,
    reach,
    outlined: outlinedNodes(m),
    selected,
    cursor: cursorNode,
    checked: m.checked,
    expandable,
    collapsible: folding?.opened,
    frames: folding?.expanded,
  };
  const stale = (): boolean => count !== renderCount;
  let drawing = await drawDotAsync(folded, options, stale);
  if (drawing === null) return;
  const viewKey = `${m.raw.dataflow}|${choices.focus ? `${focusCentre()}|${choices.depth}|${choices.direction}` : ''}|${choices.filter}|${folding ? 'overview' : 'all'}`;
  let result: LayoutResult;
  let kept: KeptView | null = null;
  try {
    const plan = relayoutWanted ? null : await placeByHand(folded, drawing, viewKey, stale);
    if (stale()) return;
    if (plan !== null) {
      drawing = await drawDotAsync(folded, { ...options, positions: plan.positions }, stale);
      if (drawing === null) return;
      result = await layouts.layout(drawing.dot, 'place');
      kept = plan.kept;
    } else {
      result = await layouts.layout(drawing.dot, nodeCount <= POSITIONED_MAX ? 'positioned' : 'svg');
    }
  } catch (error) {
    if (error instanceof Cancelled) return;
    if (count === renderCount) {
      setStatus(`Graphviz could not lay out the graph: ${error instanceof Error ? error.message : String(error)}`);
      finishRender(count);
    }
    return;
  }
  if (count !== renderCount) return;
  // a box that stays: where it was on screen when this render started, so the view can keep it there
  const anchorElement = kept?.anchor ? elementOf(kept.anchor) : null;
  const viewportNow = ui.viewport.getBoundingClientRect();
  const anchorRect = anchorElement?.getBoundingClientRect();
  const anchorBefore = anchorRect
    ? { left: anchorRect.left - viewportNow.left + viewportBefore.left, top: anchorRect.top - viewportNow.top + viewportBefore.top }
    : null;
  ui.canvas.innerHTML = result.svg;
  const svg = ui.canvas.querySelector('svg');
  if (svg === null) return;
  const box = svg.viewBox.baseVal;
  svg.setAttribute('width', String(box.width));
  svg.setAttribute('height', String(box.height));
  const marked: SVGGElement[] = [];
  for (const element of svg.querySelectorAll<SVGGElement>('g.node')) {
    const id = drawing.items.get(element.id);
    if (id === undefined) continue;
    const title = element.querySelector('title');
    if (id.startsWith(GROUP_PREFIX)) {
      element.dataset.group = id.slice(GROUP_PREFIX.length);
      element.setAttribute('aria-label', `${id.slice(GROUP_PREFIX.length)} (folded group)`);
      if (title) title.textContent = `${id.slice(GROUP_PREFIX.length)}: click to draw its nodes`;
      marked.push(element);
      continue;
    }
    element.dataset.node = id;
    const phantom = m.marks.phantoms.get(id);
    if (phantom) element.dataset.problem = '1';
    else marked.push(element);
    if (title) title.textContent = phantom ? `${phantom.problem.code}: ${phantom.problem.message}` : nodeTitle(m.byId.get(id)!);
  }
  clickableMarks(marked);
  // a folded module's "⚠ N with problems" draws those nodes; it is a button for the keyboard too
  for (const hit of svg.querySelectorAll<SVGRectElement>('g.node[data-group] rect.mark-hit[data-mark="problem"]')) {
    const key = (hit.parentNode as SVGGElement).dataset.group!;
    const label = `${key}: draw its nodes with problems and select the first`;
    hit.setAttribute('tabindex', '0');
    hit.setAttribute('role', 'button');
    hit.setAttribute('aria-label', label);
    hit.querySelector('title')!.textContent = `click: ${label.slice(key.length + 2)}`;
  }
  markNodes(); // the cursor may have moved while the layout ran
  for (const element of svg.querySelectorAll<SVGGElement>('g.edge')) {
    const i = drawing.edges.get(element.id);
    if (i === undefined) continue;
    const edge = folded.edges[i]!;
    element.dataset.source = edge.source;
    element.dataset.target = edge.target;
    const title = element.querySelector('title');
    const name = (id: string): string => (id.startsWith(GROUP_PREFIX) ? id.slice(GROUP_PREFIX.length) : id);
    let text = `${name(edge.source)} → ${name(edge.target)}${edge.count > 1 ? ` (${edge.count} edges)` : ''}${edge.optional ? ' (optional)' : ''}`;
    if (element.classList.contains('cycle')) {
      element.dataset.problem = '1';
      // a wide transparent copy of the line, so the red edge is easy to click
      const line = element.querySelector('path');
      if (line) {
        const hit = line.cloneNode() as SVGPathElement;
        hit.classList.add('hit');
        element.append(hit);
      }
      text += ' — on a cycle (click: go to the problem)';
    }
    if (title) title.textContent = text;
  }
  for (const element of svg.querySelectorAll<SVGGElement>('g.cluster')) {
    const key = drawing.frames.get(element.id);
    if (key === undefined) continue;
    element.dataset.frame = key;
    const title = element.querySelector('title');
    if (title) title.textContent = `${key}: click the frame's label to fold it back into one box`;
  }
  shown = { folded, items: drawing.items, edges: drawing.edges, graph: visible };
  placed = result.json === undefined
    ? null
    : {
        geometry: parseGeometry(result.json, drawing.items, drawing.edgeKeys),
        sizeKeys: drawing.sizeKeys,
        viewKey,
        rankdir: drawing.rankdir,
        // the boxes on screen that were placed by hand since the last full layout
        byHand: kept ? new Set([...(placed?.byHand ?? []), ...kept.added].filter((id) => drawing.sizeKeys.has(id))) : new Set<string>(),
      };
  relayoutWanted = false;
  document.body.dataset.layout = kept ? 'incremental' : 'full';
  document.body.dataset.fullLayouts = String(Number(document.body.dataset.fullLayouts ?? 0) + (kept ? 0 : 1));
  ui.relayout.classList.toggle('stale', (placed?.byHand.size ?? 0) > 0);
  zoom.readable = READABLE_PX / FONT_SIZE;
  if (kept) {
    // the boxes that stayed stay where they were on screen (the SVG's origin moves when it grows)
    zoom.setContent(box.width, box.height);
    zoom.apply();
  } else if (viewKey !== lastViewKey || relayoutFit) zoom.fit(box.width, box.height, anchorPoint());
  else zoom.apply();
  relayoutFit = false;
  lastViewKey = viewKey;
  renderLegend(colours.legend, colours.neutral);
  markSearchMatches();
  showDetails();
  const centre = focusCentre();
  const focusNote = choices.focus && centre === null ? ' · focus: put the cursor in a function or search for a node' : '';
  const foldNote = folding
    ? ` · overview: ${folded.groups.length} folded group${folded.groups.length === 1 ? '' : 's'} (click one to expand)`
    : '';
  const problems = [...m.problems.values()].reduce((sum, list) => sum + list.length, 0);
  const problemNote = problems > 0 ? ` · ⚠ ${problems} problem${problems === 1 ? '' : 's'}` : '';
  const byHand = placed?.byHand.size ?? 0;
  const placedNote = byHand > 0 ? ` · ${byHand} placed beside the layout (R: re-layout)` : '';
  setStatus(
    `${m.title} · ${folded.nodes.length.toLocaleString()} of ${m.graph.nodes.length.toLocaleString()} nodes drawn${foldNote}${problemNote}${focusNote}${placedNote}`,
  );
  if (kept?.anchor && anchorBefore) {
    // the boxes that stayed stay where they were on screen: the SVG's origin moves when it grows,
    // and the viewport when the legend above it wraps differently; the anchor box is put back
    const after = elementOf(kept.anchor)?.getBoundingClientRect();
    if (after) zoom.shift(anchorBefore.left - after.left, anchorBefore.top - after.top);
  }
  if (centreAfterRender !== null) {
    // what the user just expanded or a lens asked for, at a readable scale: last, so holding
    // the kept boxes still does not move it off centre again
    const point = contentCentre(centreAfterRender);
    if (point) zoom.centerOn(point.x, point.y);
    centreAfterRender = null;
  }
  drawn++;
  finishRender(count);
}

/** What an incremental layout kept: a box that did not move (the view is held on it) and the boxes it added. */
interface KeptView {
  anchor: string | null;
  added: string[];
}

/**
 * Positions for an incremental layout, or null when the full layout should run: the view is the
 * same as the one on screen (same dataflow, focus, filter, fold, direction, no module frames) and
 * the drawn boxes changed by a small delta (placement.ts says why the limit is what it is). Boxes
 * whose label changed are measured again; one that grew into a neighbour moves to the nearest free
 * place, and counts as a change.
 */
async function placeByHand(folded: Folded, drawing: Drawing, viewKey: string, stale: () => boolean): Promise<{ positions: Geometry; kept: KeptView } | null> {
  const before = placed;
  if (before === null || before.viewKey !== viewKey || before.rankdir !== drawing.rankdir || (folding?.expanded.size ?? 0) > 0) return null;
  const now = new Set(drawing.sizeKeys.keys());
  if (now.size > POSITIONED_MAX) return null;
  const change = changeBetween(new Set(before.geometry.boxes.keys()), now);
  if (!isSmall(change)) return null;
  const relabelled = [...now].filter((id) => before.sizeKeys.has(id) && before.sizeKeys.get(id) !== drawing.sizeKeys.get(id));
  const measure = [...change.added, ...relabelled];
  const sizes = measure.length === 0 ? new Map<string, Box>() : parseGeometry((await layouts.layout(drawing.sizing(measure), 'sizes')).json ?? '{}', drawing.items, new Map()).boxes;
  if (stale()) return null;
  const boxes = new Map<string, Box>();
  const resized = new Set<string>();
  for (const [id, box] of before.geometry.boxes) {
    if (!now.has(id)) continue;
    const size = sizes.get(id);
    if (size && (Math.abs(size.w - box.w) > 0.5 || Math.abs(size.h - box.h) > 0.5)) resized.add(id);
    boxes.set(id, size ? { ...box, w: size.w, h: size.h } : box);
  }
  // a box that grew into a neighbour moves to the nearest free place (it counts as a change)
  const settled: string[] = [];
  for (const id of resized) {
    if (firstOverlap(boxes, [id]) === null) continue;
    boxes.set(id, settle(boxes, id, drawing.rankdir));
    settled.push(id);
  }
  if (!isSmall({ ...change, added: [...change.added, ...settled] })) return null;
  const around = new Map(change.added.map((id) => [id, { upstream: [] as string[], downstream: [] as string[] }]));
  for (const edge of folded.edges) {
    around.get(edge.target)?.upstream.push(edge.source);
    around.get(edge.source)?.downstream.push(edge.target);
  }
  const added: NewBox[] = change.added.map((id) => ({ id, w: sizes.get(id)?.w ?? 54, h: sizes.get(id)?.h ?? 23, ...around.get(id)! }));
  for (const [id, box] of placeBoxes(boxes, added, drawing.rankdir)) boxes.set(id, box);
  const edges = new Map<string, string>();
  for (const [key, route] of before.geometry.edges) {
    const [source, target] = key.split('\u0000') as [string, string];
    if (boxes.has(source) && boxes.has(target) && !resized.has(source) && !resized.has(target)) edges.set(key, route);
  }
  // the new edges (and those of a resized box) get a simple route of their own: Graphviz then
  // routes nothing; the two edges of a two-node cycle are bowed apart
  const drawnEdges = new Set(folded.edges.map((e) => edgeKey(e.source, e.target)));
  for (const edge of folded.edges) {
    const key = edgeKey(edge.source, edge.target);
    if (edges.has(key) || edge.source === edge.target) continue;
    const [a, b] = [boxes.get(edge.source)!, boxes.get(edge.target)!];
    const reverse = edgeKey(edge.target, edge.source);
    if (drawnEdges.has(reverse)) {
      edges.set(key, bowedRoute(a, b, 14));
      edges.set(reverse, bowedRoute(b, a, 14));
    } else edges.set(key, simpleRoute(a, b, drawing.rankdir));
  }
  const anchor = [...boxes.keys()].find((id) => before.geometry.boxes.has(id) && !resized.has(id) && !relabelled.includes(id)) ?? null;
  return { positions: { boxes, edges }, kept: { anchor, added: change.added } };
}

/** Where the first view centres when the whole graph cannot be readable: the cursor, the selection, the file's nodes. */
function anchorPoint(): { x: number; y: number } | null {
  const ids = [cursorNode, selected, pinnedNode];
  if (model) for (const id of outlinedNodes(model)) ids.push(id);
  for (const id of ids) {
    if (id === null) continue;
    const point = contentCentre(id);
    if (point) return point;
  }
  return null;
}

function contentCentre(id: string): { x: number; y: number } | null {
  const element = elementOf(id);
  if (element === null) return null;
  const box = element.getBoundingClientRect();
  const origin = ui.canvas.getBoundingClientRect();
  const k = zoom.transform.k || 1;
  return { x: (box.left + box.width / 2 - origin.left) / k, y: (box.top + box.height / 2 - origin.top) / k };
}

function finishRender(count: number): void {
  document.body.dataset.render = String(count);
  document.body.dataset.drawn = String(drawn);
}

function setStatus(text: string, busy = false): void {
  ui.status.textContent = notice ? `${text} — ${notice}` : text;
  ui.status.classList.toggle('busy', busy);
}

function option(value: string, label: string): HTMLOptionElement {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = label;
  return element;
}

function setOptions(select: HTMLSelectElement, options: [string, string][], value: string): string {
  const current = [...select.options].map((o) => o.value);
  if (current.join('\n') !== options.map(([v]) => v).join('\n')) {
    select.replaceChildren(...options.map(([v, label]) => option(v, label)));
  }
  const chosen = options.some(([v]) => v === value) ? value : (options[0]?.[0] ?? '');
  select.value = chosen;
  return chosen;
}

let namesOf: Model | null = null;

function updateChoices(m: Model): void {
  choices.colourBy = setOptions(ui.colourBy, [['kind', 'kind'], ...m.tagKeys.map((k): [string, string] => [k, `tag: ${k}`])], choices.colourBy);
  const values = m.tagValues.map((v): [string, string] => [v, v]);
  choices.highlight = setOptions(ui.highlight, [['', 'none'], ...values], choices.highlight);
  choices.filter = setOptions(ui.filter, [['', 'all nodes'], ...values], choices.filter);
  if (namesOf !== m) {
    // the search box's suggestions (the browser lists at most a few thousand anyway)
    ui.names.replaceChildren(...m.graph.nodes.slice(0, 5000).map((n) => option(n.name, '')));
    namesOf = m;
  }
  ui.overview.hidden = m.graph.nodes.length <= OVERVIEW_THRESHOLD && folding === null;
  ui.overview.textContent = folding ? 'Expand all' : 'Overview';
}

function renderLegend(legend: string[], neutral: string | null): void {
  const title = document.createElement('span');
  title.className = 'legend-title';
  title.textContent = choices.colourBy === 'kind' ? 'kind' : choices.colourBy;
  const entries = legend.map((label, i) => {
    const entry = document.createElement('span');
    entry.className = 'legend-entry';
    const swatch = document.createElement('span');
    swatch.className = `swatch ${label === neutral ? 'group-none' : `group-${i % PALETTE_SIZE}`}`;
    entry.append(swatch, document.createTextNode(label === neutral ? 'untagged' : label));
    return entry;
  });
  const extra: HTMLElement[] = [];
  const add = (cls: string, text: string): void => {
    const entry = document.createElement('span');
    entry.className = `legend-entry ${cls}`;
    entry.textContent = text;
    extra.push(entry);
  };
  if (model && documentUri !== null && outlinedNodes(model).size > 0) {
    add('legend-document', `thick outline: ${decodeURIComponent(documentUri.split('/').pop() ?? '')}`);
  }
  if (model && model.problems.size > 0) add('legend-problem', '⚠ problem (click for details)');
  if (model && model.cycle.size > 0) add('legend-cycle', '— cycle');
  if (model && model.marks.phantoms.size > 0) add('legend-phantom', '? unknown dependency');
  if (model && model.checked.size > 0) add('', '✓ has @check_output');
  if (folding) add('', '⊕ / ⊖ click: show / hide neighbours');
  if (choices.highlight) add('legend-reach', `reached by ${choices.highlight}`);
  ui.legend.replaceChildren(title, ...entries, ...extra);
}

function markNodes(): void {
  for (const element of ui.canvas.querySelectorAll<SVGGElement>('g.node[data-node]')) {
    element.classList.toggle('highlighted', element.dataset.node === cursorNode);
    element.classList.toggle('selected', element.dataset.node === selected);
  }
}

function markSearchMatches(): void {
  const matches = model === null ? new Set<string>() : new Set(searchNodes(model.graph, ui.search.value));
  for (const element of ui.canvas.querySelectorAll<SVGGElement>('g.node[data-node]')) {
    element.classList.toggle('search-match', matches.has(element.dataset.node ?? ''));
  }
}

function elementOf(id: string): SVGGElement | null {
  for (const element of ui.canvas.querySelectorAll<SVGGElement>('g.node')) {
    if (element.dataset.node === id || (id.startsWith(GROUP_PREFIX) && element.dataset.group === id.slice(GROUP_PREFIX.length))) {
      return element;
    }
  }
  return null;
}

/** The node's box is wholly inside the viewport. */
function onScreen(id: string): boolean {
  const element = elementOf(id);
  if (element === null) return false;
  const box = element.getBoundingClientRect();
  const view = ui.viewport.getBoundingClientRect();
  return box.left >= view.left && box.right <= view.right && box.top >= view.top && box.bottom <= view.bottom;
}

function centreOn(id: string): void {
  const point = contentCentre(id);
  if (point) zoom.centerOn(point.x, point.y);
}

/** Make sure `id` is drawn (revealing it in the overview), then centre on it. */
async function reveal(id: string): Promise<void> {
  if (folding && model) {
    const node = model.byId.get(id);
    if (node && !folding.expanded.has(groupOf(node)) && !folding.revealed.has(id)) {
      folding.revealed.add(id);
      await render();
    }
  }
  centreOn(id);
}

async function pickSearchResult(): Promise<void> {
  if (model === null) return;
  const [first] = searchNodes(model.graph, ui.search.value);
  if (first === undefined) {
    notice = `no node matches "${ui.search.value}"`;
    await render();
    notice = '';
    return;
  }
  pinnedNode = first;
  selected = first;
  showDetails();
  if (choices.focus) await render();
  await reveal(first);
  markNodes();
  markSearchMatches();
}

// --- details panel --------------------------------------------------------------------------------

function link(text: string, action: () => void, title?: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.className = 'link';
  button.textContent = text;
  if (title) button.title = title;
  button.addEventListener('click', action);
  return button;
}

function nodeLinks(ids: string[], limit = 12): HTMLElement {
  const span = document.createElement('span');
  if (ids.length === 0) {
    span.textContent = 'none';
    return span;
  }
  ids.slice(0, limit).forEach((id, i) => {
    if (i > 0) span.append(', ');
    span.append(link(id, () => void select(id, true)));
  });
  if (ids.length > limit) span.append(` and ${ids.length - limit} more`);
  return span;
}

function row(label: string, ...content: (string | Node)[]): HTMLElement {
  const div = document.createElement('div');
  div.className = 'row';
  const name = document.createElement('span');
  name.className = 'row-label';
  name.textContent = label;
  div.append(name, ...content);
  return div;
}

function showDetails(): void {
  const m = model;
  const node = selected === null || m === null ? undefined : m.byId.get(selected);
  ui.details.hidden = node === undefined;
  ui.details.replaceChildren();
  if (node === undefined || m === null) return;
  const heading = document.createElement('h2');
  heading.textContent = node.name;
  const close = link('×', () => void select(null), 'Close (Escape)');
  close.classList.add('close');
  ui.details.append(close, heading);
  const kind = node.kind === 'input' ? 'external input' : node.kind === 'config' ? 'config value' : 'function node';
  ui.details.append(row('Type', `${node.type ?? '?'} · ${kind}${m.lineage.isSource(node.id) ? ' · data source' : ''}`));
  const phantom = m.marks.phantoms.get(node.id);
  for (const problem of [...(phantom ? [phantom.problem] : []), ...(m.problems.get(node.id) ?? [])]) {
    const p = row(`⚠ ${problem.code}`, problem.message, ' ');
    p.classList.add('problem');
    if (problem.location) p.append(link('go to problem', () => openProblem(problem)));
    ui.details.append(p);
  }
  if (node.doc) {
    const doc = document.createElement('p');
    doc.className = 'doc';
    doc.textContent = node.doc;
    ui.details.append(doc);
  }
  const tags = Object.entries(node.tags);
  if (tags.length > 0) ui.details.append(row('Tags', tags.map(([k, v]) => `${k}=${tagText(v)}`).join(', ')));
  if (m.checked.has(node.id)) {
    const checks = [...m.lineage.internals].filter(([, owner]) => owner === node.id).map(([id]) => id).filter((id) => id !== `${node.id}_raw`);
    ui.details.append(row('Checks', `@check_output: ${checks.map((c) => c.slice(node.id.length + 1)).join(', ')}`));
  }
  ui.details.append(row('Upstream', nodeLinks(m.lineage.upstream(node.id))));
  ui.details.append(row('Downstream', nodeLinks(m.lineage.downstream(node.id))));
  const sources = m.lineage.sources(node.id);
  const sourceList = document.createElement('span');
  if (sources.length === 0) sourceList.textContent = m.lineage.isSource(node.id) ? 'it is one' : 'none';
  sources.slice(0, 12).forEach((id, i) => {
    if (i > 0) sourceList.append(', ');
    sourceList.append(link(id, () => void select(id, true)));
    const tags = m.byId.get(id)?.tags ?? {};
    const about = ['source', 'owner'].filter((k) => tags[k] !== undefined).map((k) => `${k}=${tagText(tags[k])}`);
    const source = m.byId.get(id);
    // a loader reads outside data (no node parameters); a tagged node says where it comes from
    const loader = source?.kind === 'function' && m.lineage.upstream(id).every((u) => m.byId.get(u)?.kind !== 'function');
    const kindText = source?.kind === 'input' ? ['input'] : loader ? ['loader'] : [];
    sourceList.append(` (${[...kindText, ...about].join(', ')})`);
  });
  ui.details.append(row('Sources', sourceList));
  const owners = new Set<string>();
  for (const id of [node.id, ...sources]) {
    const owner = m.byId.get(id)?.tags.owner;
    if (owner !== undefined && owner !== null) owners.add(tagText(owner));
  }
  if (owners.size > 0) ui.details.append(row('Owners', [...owners].sort().join(', ')));
  const pii = m.lineage.reachedBy(node.id, 'PII', 'true');
  ui.details.append(row('PII', pii.length > 0 ? nodeLinks(pii) : 'no PII-tagged node reaches it'));
  if (node.location) {
    const path = decodeURIComponent(node.location.uri.replace(/^file:\/\//, ''));
    ui.details.append(row('Defined', `${path.split('/').slice(-2).join('/')}:${node.location.range.start.line + 1}`));
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  if (node.location) actions.append(link('Open code', () => vscode.postMessage({ type: 'openDefinition', node: node.id }), 'Enter'));
  actions.append(
    link('Focus here', () => {
      pinnedNode = node.id;
      choices.focus = true;
      ui.focus.checked = true;
      ui.focus.closest('.toolbar')!.classList.add('focus-on');
      saveState();
      void render();
    }),
  );
  if (folding) {
    actions.append(link('+ neighbours', () => void expandNode(node.id), '+'));
    actions.append(link('− neighbours', () => void collapseNode(node.id), '−'));
  }
  ui.details.append(actions);
}

/** The problem a node's ⚠ goes to: its first error with a place in the code, else its first warning. */
function firstProblem(id: string): GraphProblem | undefined {
  const located = (model?.problems.get(id) ?? []).filter((p) => p.location);
  return located.find((p) => p.severity === 'error') ?? located[0];
}

function openProblem(problem: GraphProblem): void {
  if (problem.location) vscode.postMessage({ type: 'openProblem', location: problem.location });
}

async function select(id: string | null, centre = false): Promise<void> {
  selected = id;
  // the panel first: it narrows the graph, and the node is centred in what is left
  showDetails();
  if (id !== null && centre) await reveal(id);
  markNodes();
}

async function expandNode(id: string): Promise<void> {
  if (!folding || !model) return;
  for (const other of [...model.lineage.upstream(id), ...model.lineage.downstream(id)]) folding.revealed.add(other);
  folding.revealed.add(id);
  folding.opened.add(id);
  centreAfterRender = id;
  await render();
}

async function collapseNode(id: string): Promise<void> {
  if (!folding || !model) return;
  for (const other of [...model.lineage.upstream(id), ...model.lineage.downstream(id)]) {
    if (other !== selected && other !== cursorNode) folding.revealed.delete(other);
  }
  folding.opened.delete(id);
  await render();
}

async function expandGroup(key: string): Promise<void> {
  if (!folding || !model) return;
  folding.expanded.add(key);
  centreAfterRender = model.graph.nodes.find((n) => groupOf(n) === key)?.id ?? null;
  await render();
}

/**
 * A folded module's ⚠: its nodes with problems are drawn (the module stays folded around them,
 * as ⊕ draws a node's neighbours), the first is selected (the details panel lists its problems
 * with "go to problem") and brought into view.
 */
async function showGroupProblems(key: string): Promise<void> {
  if (!folding || !model) return;
  const ids = model.graph.nodes.filter((n) => groupOf(n) === key && model!.problems.has(n.id)).map((n) => n.id);
  if (ids.length === 0) return;
  for (const id of ids) folding.revealed.add(id);
  selected = ids[0]!;
  centreAfterRender = ids[0]!;
  await render();
  markNodes();
  ui.viewport.focus();
}

// --- keyboard -------------------------------------------------------------------------------------

/** The drawn node nearest to `from` in a direction (arrows move the selection). */
function neighbourIn(from: string, key: string): string | null {
  const m = model;
  if (m === null || shown === null) return null;
  const drawnIds = [...ui.canvas.querySelectorAll<SVGGElement>('g.node[data-node]')].map((e) => e.dataset.node!);
  if (key === 'ArrowRight' || key === 'ArrowLeft') {
    const next = key === 'ArrowRight' ? m.lineage.downstream(from) : m.lineage.upstream(from);
    const drawnSet = new Set(drawnIds);
    return next.find((id) => drawnSet.has(id)) ?? null;
  }
  const here = contentCentre(from);
  if (here === null) return drawnIds[0] ?? null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const id of drawnIds) {
    if (id === from) continue;
    const point = contentCentre(id);
    if (point === null) continue;
    const dy = point.y - here.y;
    if ((key === 'ArrowDown' && dy <= 0) || (key === 'ArrowUp' && dy >= 0)) continue;
    const distance = Math.abs(dy) + 3 * Math.abs(point.x - here.x);
    if (distance < bestDistance) {
      best = id;
      bestDistance = distance;
    }
  }
  return best;
}

function onKey(event: KeyboardEvent): void {
  if (event.target !== ui.viewport) return;
  const current = selected ?? cursorNode;
  if (event.key.startsWith('Arrow')) {
    event.preventDefault();
    const first = ui.canvas.querySelector<SVGGElement>('g.node[data-node]')?.dataset.node ?? null;
    const next = current === null ? first : neighbourIn(current, event.key);
    if (next !== null) void select(next, true);
    return;
  }
  if (event.key === 'Enter' && current !== null) vscode.postMessage({ type: 'openDefinition', node: current });
  else if ((event.key === '+' || event.key === '=') && current !== null) void expandNode(current);
  else if ((event.key === '-' || event.key === '_') && current !== null) void collapseNode(current);
  else if (event.key === 'Escape') void select(null);
  else if (event.key === 'f') fitView(false);
  else if (event.key === 'r') void relayout();
  else if (event.key === '/') {
    event.preventDefault();
    ui.search.focus();
  }
}

/** Lay the graph out afresh (boxes placed by hand since the last full layout find their ranks). */
async function relayout(): Promise<void> {
  relayoutWanted = true;
  relayoutFit = true;
  await render();
}

function fitView(all: boolean): void {
  const box = ui.canvas.querySelector('svg')?.viewBox.baseVal;
  if (box) zoom.fit(box.width, box.height, anchorPoint(), all);
}

// --- wiring ---------------------------------------------------------------------------------------

function wireControls(): void {
  ui.focus.checked = choices.focus;
  ui.direction.value = choices.direction;
  ui.depth.value = choices.depth === null ? 'all' : String(choices.depth);
  const onChange = (element: HTMLElement, apply: () => void): void => {
    element.addEventListener('change', () => {
      apply();
      saveState();
      void render();
    });
  };
  const toolbar = ui.focus.closest('.toolbar')!;
  toolbar.classList.toggle('focus-on', choices.focus);
  onChange(ui.focus, () => {
    choices.focus = ui.focus.checked;
    toolbar.classList.toggle('focus-on', choices.focus);
  });
  onChange(ui.direction, () => (choices.direction = ui.direction.value as Direction));
  onChange(ui.depth, () => (choices.depth = ui.depth.value === 'all' ? null : Number(ui.depth.value)));
  onChange(ui.colourBy, () => (choices.colourBy = ui.colourBy.value));
  onChange(ui.highlight, () => (choices.highlight = ui.highlight.value));
  onChange(ui.filter, () => (choices.filter = ui.filter.value));
  ui.dataflow.addEventListener('change', () => vscode.postMessage({ type: 'pickDataflow', dataflow: ui.dataflow.value }));
  ui.search.addEventListener('input', markSearchMatches);
  ui.search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void pickSearchResult();
    if (event.key === 'Escape') {
      ui.search.value = '';
      pinnedNode = null;
      void render();
    }
  });
  ui.overview.addEventListener('click', () => {
    if (model === null) return;
    folding = folding ? null : { expanded: new Set(), revealed: new Set(cursorNode ? [cursorNode] : []), opened: new Set() };
    void render();
  });
  ui.relayout.addEventListener('click', () => void relayout());
  $('zoom-in').addEventListener('click', () => zoom.zoomBy(1.25));
  $('zoom-out').addEventListener('click', () => zoom.zoomBy(0.8));
  $('zoom-fit').addEventListener('click', (event) => fitView(event.shiftKey || event.altKey));
  $('export-svg').addEventListener('click', () => {
    const svg = ui.canvas.querySelector('svg');
    if (svg) vscode.postMessage({ type: 'exportSvg', svg: standaloneSvg(svg) });
  });
  ui.viewport.addEventListener('keydown', onKey);
  ui.canvas.addEventListener('keydown', (event) => {
    const hit = (event.target as Element).closest<SVGElement>('rect.mark-hit[data-mark="problem"]');
    const group = hit?.closest<SVGGElement>('g.node')?.dataset.group;
    if (group === undefined || (event.key !== 'Enter' && event.key !== ' ')) return;
    event.preventDefault();
    void showGroupProblems(group);
  });
  ui.canvas.addEventListener('click', (event) => {
    if (zoom.suppressClick || model === null) return;
    const target = event.target as Element;
    const edge = target.closest<SVGGElement>('g.edge');
    if (edge?.classList.contains('cycle')) {
      const source = edge.dataset.source;
      const targetId = edge.dataset.target;
      const i = model.raw.edges.findIndex((e) => e.source === source && e.target === targetId);
      const problem = model.marks.cycle.get(i) ?? (model.problems.get(targetId ?? '') ?? [])[0];
      if (problem) openProblem(problem);
      return;
    }
    const element = target.closest<SVGGElement>('g.node');
    const frame = target.closest<SVGGElement>('g.cluster');
    if (!element && frame?.dataset.frame !== undefined && folding) {
      folding.expanded.delete(frame.dataset.frame);
      void render();
      return;
    }
    if (!element) return;
    if (element.dataset.group !== undefined) {
      if (target.closest<SVGElement>('[data-mark]')?.dataset.mark === 'problem') void showGroupProblems(element.dataset.group);
      else void expandGroup(element.dataset.group);
      return;
    }
    const id = element.dataset.node;
    if (id === undefined) return;
    // the marks act on their own; the rest of the node selects it
    const mark = target.closest<SVGElement>('[data-mark]')?.dataset.mark;
    if (mark === 'expand') {
      void expandNode(id);
      return;
    }
    if (mark === 'collapse') {
      void collapseNode(id);
      return;
    }
    if (mark === 'problem') {
      const problem = firstProblem(id);
      if (problem) {
        openProblem(problem);
        return;
      }
    }
    const phantom = model.marks.phantoms.get(id);
    if (phantom) openProblem(phantom.problem);
    void select(id);
  });
  ui.canvas.addEventListener('dblclick', (event) => {
    if ((event.target as Element).closest('[data-mark]')) return;
    const id = (event.target as Element).closest<SVGGElement>('g.node')?.dataset.node;
    if (id !== undefined) vscode.postMessage({ type: 'openDefinition', node: id });
  });
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (message === undefined) return;
  switch (message.type) {
    case 'graph': {
      const previous = model;
      received = true;
      documentUri = message.document;
      saveState();
      emptyReason = message.reason ?? 'Open a Python file of a dataflow.';
      model = message.graph === null ? null : makeModel(message.graph, message.title);
      if (model === null) folding = null;
      else if (previous?.raw.dataflow !== model.raw.dataflow) {
        // a large graph opens as an overview around the cursor; a small one node by node
        folding =
          model.graph.nodes.length > OVERVIEW_THRESHOLD
            ? { expanded: new Set(), revealed: new Set(cursorNode && model.byId.has(cursorNode) ? [cursorNode] : []), opened: new Set() }
            : null;
        selected = null;
      }
      if (pinnedNode !== null && !model?.byId.has(pinnedNode)) pinnedNode = null;
      if (selected !== null && !model?.byId.has(selected)) selected = null;
      void render();
      return;
    }
    case 'cursor': {
      if (message.node === cursorNode) return;
      cursorNode = message.node;
      if (message.node !== null) pinnedNode = null;
      const hidden = folding !== null && message.node !== null && elementOf(message.node) === null;
      if (hidden && folding && message.node) {
        folding.revealed.add(message.node);
        folding.opened.add(message.node);
        for (const id of model?.lineage.upstream(message.node) ?? []) folding.revealed.add(id);
        for (const id of model?.lineage.downstream(message.node) ?? []) folding.revealed.add(id);
      }
      if (choices.focus || hidden) void render().then(() => message.node && centreOn(message.node));
      else {
        markNodes();
        // until the user zooms or pans, a graph too large to read whole follows the cursor, only
        // to bring its node on screen: a view that moves on every keystroke cannot be read
        if (!zoom.userMoved && message.node !== null && !onScreen(message.node)) fitView(false);
      }
      return;
    }
    case 'reveal': {
      // a lens asked for this node: drawn (out of its folded module if need be) and centred, once
      // the layout that holds it is done
      const id = message.node;
      if (!model?.byId.has(id)) return;
      if (folding && elementOf(id) === null) {
        folding.revealed.add(id);
        folding.opened.add(id);
      }
      centreAfterRender = id;
      void render();
      return;
    }
    case 'status':
      notice = message.text;
      void render().then(() => (notice = ''));
      return;
  }
});

wireControls();
void render();
vscode.postMessage({ type: 'ready' });
