/**
 * Graph → view: the pure part of the preview. Which nodes focus mode keeps, which node the cursor
 * is on, how nodes are grouped for colouring, and the DOT text handed to Graphviz. Kept free of the
 * DOM and of `vscode` so it is unit-tested in Node and shared by the extension and the webview.
 */
import type { Direction, GraphEdge, GraphNode, GraphResult } from './protocol';

/** Nodes within `depth` steps of `focus` (upstream, downstream or both); depth null = unbounded. */
export function neighbourhood(
  graph: GraphResult,
  focus: string,
  depth: number | null,
  direction: Direction,
): Set<string> {
  const keep = new Set<string>();
  if (!graph.nodes.some((n) => n.id === focus)) return keep;
  keep.add(focus);
  const walk = (next: Map<string, string[]>): void => {
    let frontier = [focus];
    const seen = new Set([focus]);
    for (let step = 0; frontier.length > 0 && (depth === null || step < depth); step++) {
      const following: string[] = [];
      for (const id of frontier) {
        for (const other of next.get(id) ?? []) {
          if (seen.has(other)) continue;
          seen.add(other);
          keep.add(other);
          following.push(other);
        }
      }
      frontier = following;
    }
  };
  if (direction !== 'downstream') walk(adjacency(graph.edges, 'target', 'source'));
  if (direction !== 'upstream') walk(adjacency(graph.edges, 'source', 'target'));
  return keep;
}

function adjacency(edges: GraphEdge[], from: 'source' | 'target', to: 'source' | 'target') {
  const map = new Map<string, string[]>();
  for (const edge of edges) {
    const list = map.get(edge[from]) ?? [];
    list.push(edge[to]);
    map.set(edge[from], list);
  }
  return map;
}

/** The subgraph on `keep`: its nodes and the edges between them, in the original order. */
export function subgraph(graph: GraphResult, keep: ReadonlySet<string>): GraphResult {
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
  };
}

function comparePositions(a: { line: number; character: number }, b: typeof a): number {
  return a.line - b.line || a.character - b.character;
}

/**
 * The node the cursor is on in document `uri`: a node whose name range contains the cursor, else
 * the nearest node defined at or above the cursor line (the function being edited). Among nodes
 * made by the same function on that line, the one named like the function wins.
 */
export function nodeAtCursor(
  graph: GraphResult,
  uri: string,
  line: number,
  character: number,
): string | null {
  const cursor = { line, character };
  const here = graph.nodes.filter((n) => n.location !== null && sameUri(n.location.uri, uri));
  const exact = here.find(
    (n) =>
      n.location !== null &&
      comparePositions(n.location.range.start, cursor) <= 0 &&
      comparePositions(cursor, n.location.range.end) <= 0,
  );
  if (exact) return exact.id;
  let best: GraphNode | null = null;
  for (const node of here) {
    const start = node.location!.range.start;
    if (start.line > line) continue;
    if (best === null) {
      best = node;
      continue;
    }
    const bestStart = best.location!.range.start;
    if (start.line > bestStart.line) best = node;
    else if (start.line === bestStart.line && node.name === node.function && best.name !== best.function) {
      best = node;
    }
  }
  return best?.id ?? null;
}

/** URIs from VS Code and from the server may differ in percent-encoding of ':' (drive letters). */
export function sameUri(a: string, b: string): boolean {
  return a === b || normaliseUri(a) === normaliseUri(b);
}

function normaliseUri(uri: string): string {
  try {
    return decodeURIComponent(uri).toLowerCase();
  } catch {
    return uri.toLowerCase();
  }
}

/** User tag keys present in the graph, to offer as "colour by" choices. */
export function tagKeys(graph: GraphResult): string[] {
  const keys = new Set<string>();
  for (const node of graph.nodes) for (const key of Object.keys(node.tags)) keys.add(key);
  return [...keys].sort();
}

export const NO_VALUE = '(none)';
/** colour groups drawn with distinct theme colours; further groups reuse them */
export const PALETTE_SIZE = 8;

export interface ColourGroups {
  /** node id → index into `legend` */
  groupOf: Map<string, number>;
  /** group labels in legend order; index i is drawn with CSS class `group-(i % PALETTE_SIZE)` */
  legend: string[];
  /** the legend label drawn neutral (nodes without the tag), null when colouring by kind */
  neutral: string | null;
}

/** Group nodes by kind or by the value of one tag; nodes without the tag share one group. */
export function colourGroups(graph: GraphResult, colourBy: string): ColourGroups {
  const valueOf = (node: GraphNode): string => {
    if (colourBy === 'kind') return node.kind;
    const value = node.tags[colourBy];
    if (value === undefined || value === null) return NO_VALUE;
    return Array.isArray(value) ? value.map(String).join(', ') : String(value);
  };
  const values = new Set(graph.nodes.map(valueOf));
  const legend = [...values].sort((a, b) =>
    a === NO_VALUE ? 1 : b === NO_VALUE ? -1 : a.localeCompare(b),
  );
  const index = new Map(legend.map((value, i) => [value, i]));
  return {
    groupOf: new Map(graph.nodes.map((n) => [n.id, index.get(valueOf(n))!])),
    legend,
    neutral: colourBy === 'kind' ? null : NO_VALUE,
  };
}

/** Matches for the search box: exact name first, then prefix, then substring. */
export function searchNodes(graph: GraphResult, query: string): string[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const rank = (name: string): number =>
    name === q ? 0 : name.startsWith(q) ? 1 : name.includes(q) ? 2 : 3;
  return graph.nodes
    .map((n) => ({ id: n.id, rank: rank(n.name.toLowerCase()) }))
    .filter((m) => m.rank < 3)
    .sort((a, b) => a.rank - b.rank || a.id.localeCompare(b.id))
    .map((m) => m.id);
}
