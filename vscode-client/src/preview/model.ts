/**
 * What the graph means, for the preview: problems placed on nodes and edges (cycles, unknown
 * dependencies with their did-you-mean), data sources and `@check_output` internals, what a tag's
 * nodes reach, readable dataflow titles, and the overview that folds a large graph into module
 * groups. Pure functions over a GraphResult: shared by the extension, the webview page and the
 * standalone HTML page, and unit-tested in Node.
 */
import type { GraphEdge, GraphNode, GraphProblem, GraphResult } from './protocol';
import { nodeAtCursor } from './view';

// --- cycles -------------------------------------------------------------------------------------

/** Indexes (into graph.edges) of the edges that lie on a cycle: both ends in one strongly connected component. */
export function cycleEdges(graph: GraphResult): Set<number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const component = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const list = next.get(edge.source);
    if (list) list.push(edge.target);
    else next.set(edge.source, [edge.target]);
  }
  let counter = 0;
  let components = 0;
  // iterative Tarjan: graphs of 20,000 nodes would overflow a recursive walk
  for (const root of graph.nodes) {
    if (index.has(root.id)) continue;
    const work: { id: string; i: number }[] = [{ id: root.id, i: 0 }];
    index.set(root.id, counter);
    low.set(root.id, counter++);
    stack.push(root.id);
    onStack.add(root.id);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = next.get(frame.id) ?? [];
      if (frame.i < targets.length) {
        const target = targets[frame.i++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, i: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== frame.id);
        components++;
      }
    }
  }
  const out = new Set<number>();
  graph.edges.forEach((edge, i) => {
    const c = component.get(edge.source);
    if (c !== undefined && (edge.source === edge.target || c === component.get(edge.target))) out.add(i);
  });
  return out;
}

// --- problems -----------------------------------------------------------------------------------

export interface Phantom {
  /** the name no function produces (the graph's input node of that name) */
  name: string;
  didYouMean: string | null;
  problem: GraphProblem;
}

export interface ProblemMarks {
  /** node id → the problems located in its function */
  byNode: Map<string, GraphProblem[]>;
  /** input node id → the unknown dependency it stands for */
  phantoms: Map<string, Phantom>;
  /** edge index → the cycle problem reported at it (every edge on a cycle is in here) */
  cycle: Map<number, GraphProblem | null>;
}

const UNKNOWN_DEPENDENCY = 'LD002';
const CYCLE = 'LD001';

function quoted(message: string): string[] {
  return [...message.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

/**
 * Place problems on the graph: each on the node whose function it is located in; an unknown
 * dependency (LD002) on the input node of that name, drawn as a phantom with its "did you mean";
 * a cycle (LD001) on every edge of the cycle.
 */
export function problemMarks(graph: GraphResult): ProblemMarks {
  const byNode = new Map<string, GraphProblem[]>();
  const phantoms = new Map<string, Phantom>();
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const upstream = new Map<string, Set<string>>();
  for (const edge of graph.edges) {
    const set = upstream.get(edge.target) ?? new Set<string>();
    set.add(edge.source);
    upstream.set(edge.target, set);
  }
  for (const problem of graph.problems ?? []) {
    const location = problem.location;
    if (location === null) continue;
    const { line, character } = location.range.start;
    const node = nodeAtCursor(graph, location.uri, line, character);
    if (node === null) continue;
    const list = byNode.get(node) ?? [];
    list.push(problem);
    byNode.set(node, list);
    if (problem.code === UNKNOWN_DEPENDENCY) {
      const didYouMean = /did you mean '([^']+)'/.exec(problem.message)?.[1] ?? null;
      for (const name of quoted(problem.message)) {
        if (name !== didYouMean && kinds.get(name) === 'input' && upstream.get(node)?.has(name)) {
          phantoms.set(name, { name, didYouMean, problem });
          break;
        }
      }
    }
  }
  const cycle = new Map<number, GraphProblem | null>();
  for (const i of cycleEdges(graph)) {
    const edge = graph.edges[i]!;
    const reported = (byNode.get(edge.target) ?? []).find(
      (p) => p.code === CYCLE && quoted(p.message).includes(edge.source),
    );
    cycle.set(i, reported ?? null);
  }
  return { byNode, phantoms, cycle };
}

// --- sources and @check_output internals ----------------------------------------------------------

/**
 * `@check_output` rewrites `fn` into `fn_raw` (the function's body), one validator node per
 * check (depending on `fn_raw` only) and `fn` (depending on all of them). Returns internal node id
 * → the checked node it belongs to, found from the shape (the tags that say so stay in the server).
 */
export function checkInternals(graph: GraphResult): Map<string, string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const deps = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const list = deps.get(edge.target);
    if (list) list.push(edge.source);
    else deps.set(edge.target, [edge.source]);
  }
  const out = new Map<string, string>();
  for (const node of graph.nodes) {
    const rawId = `${node.id}_raw`;
    const raw = byId.get(rawId);
    const mine = deps.get(node.id) ?? [];
    if (!raw || !mine.includes(rawId) || raw.function !== node.function || node.function == null) continue;
    out.set(rawId, node.id);
    for (const other of mine) {
      const check = byId.get(other);
      const checkDeps = deps.get(other) ?? [];
      if (check && other !== rawId && check.function === node.function && checkDeps.length === 1 && checkDeps[0] === rawId) {
        out.set(other, node.id);
      }
    }
  }
  return out;
}

/**
 * The graph as drawn: `@check_output` internals are part of their function, so they are left out
 * and what they read is drawn as read by the checked node. Problems stay as they are.
 */
export function withoutInternals(graph: GraphResult, internals: ReadonlyMap<string, string>): GraphResult {
  if (internals.size === 0) return graph;
  const seen = new Set<string>();
  const edges: GraphEdge[] = [];
  for (const edge of graph.edges) {
    const source = internals.get(edge.source) ?? edge.source;
    const target = internals.get(edge.target) ?? edge.target;
    if (source === target) continue;
    const key = `${source}\u0000${target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ source, target, optional: edge.optional });
  }
  return { ...graph, nodes: graph.nodes.filter((n) => !internals.has(n.id)), edges };
}

export interface Lineage {
  /** direct upstream, `@check_output` internals replaced by what they read */
  upstream(id: string): string[];
  downstream(id: string): string[];
  /** the data sources `id` rests on (itself excluded), nearest first */
  sources(id: string): string[];
  isSource(id: string): boolean;
  /** nodes carrying tag key=value that reach `id` (itself included) */
  reachedBy(id: string, key: string, value: string): string[];
  internals: Map<string, string>;
}

/** The tag value as text ('true' for true), lists joined. */
export function tagText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

export function lineage(graph: GraphResult): Lineage {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const internals = checkInternals(graph);
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const edge of graph.edges) {
    (up.get(edge.target) ?? up.set(edge.target, []).get(edge.target)!).push(edge.source);
    (down.get(edge.source) ?? down.set(edge.source, []).get(edge.source)!).push(edge.target);
  }
  const fold = (ids: string[], next: Map<string, string[]>, self: string): string[] => {
    const out: string[] = [];
    const seen = new Set<string>([self]);
    const visit = (id: string): void => {
      if (seen.has(id)) return;
      seen.add(id);
      const owner = internals.get(id);
      if (owner === undefined) out.push(id);
      else if (owner === self) for (const n of next.get(id) ?? []) visit(n);
      else visit(owner);
    };
    ids.forEach(visit);
    return out;
  };
  const upstream = (id: string): string[] => fold(up.get(id) ?? [], up, id);
  const downstream = (id: string): string[] => fold(down.get(id) ?? [], down, id);
  const sourceTag = (id: string): string | null => {
    const tag = byId.get(id)?.tags.source;
    return tag === undefined || tag === null ? null : tagText(tag);
  };
  const isSource = (id: string): boolean => {
    const node = byId.get(id);
    if (!node || internals.has(id)) return false;
    const ups = upstream(id);
    if (node.kind === 'function' && ups.every((u) => byId.get(u)?.kind !== 'function')) return true;
    // a tagged node is a source unless it comes from one with the same tag (a loader's columns)
    const tag = sourceTag(id);
    return tag !== null && !ups.some((u) => sourceTag(u) === tag);
  };
  const sources = (id: string): string[] => {
    const out: string[] = [];
    const seen = new Set([id]);
    let frontier = [id];
    while (frontier.length > 0) {
      const following: string[] = [];
      for (const current of frontier) {
        for (const u of upstream(current)) {
          if (seen.has(u)) continue;
          seen.add(u);
          // a source ends the walk (what it reads is its own business); an input reached
          // without passing a source is a source too
          if (isSource(u) || byId.get(u)?.kind === 'input') out.push(u);
          else following.push(u);
        }
      }
      frontier = following;
    }
    return out;
  };
  const reachedBy = (id: string, key: string, value: string): string[] => {
    const out: string[] = [];
    const seen = new Set<string>();
    const walk = [id];
    while (walk.length > 0) {
      const current = walk.pop()!;
      if (seen.has(current)) continue;
      seen.add(current);
      const tag = byId.get(current)?.tags[key];
      if (tag !== undefined && tag !== null && tagText(tag) === value) out.push(current);
      for (const u of up.get(current) ?? []) walk.push(u);
    }
    return out;
  };
  return { upstream, downstream, sources, isSource, reachedBy, internals };
}

/** Everything downstream of the nodes tagged key=value (the seeds included): "what does PII end up in". */
export function tagReach(graph: GraphResult, key: string, value: string): { nodes: Set<string>; seeds: Set<string> } {
  const seeds = new Set(
    graph.nodes
      .filter((n) => n.tags[key] !== undefined && n.tags[key] !== null && tagText(n.tags[key]) === value)
      .map((n) => n.id),
  );
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) (next.get(edge.source) ?? next.set(edge.source, []).get(edge.source)!).push(edge.target);
  const nodes = new Set<string>();
  const walk = [...seeds];
  while (walk.length > 0) {
    const id = walk.pop()!;
    if (nodes.has(id)) continue;
    nodes.add(id);
    for (const t of next.get(id) ?? []) walk.push(t);
  }
  return { nodes, seeds };
}

/** key=value pairs present in the graph's tags, for the highlight and filter menus. */
export function tagValues(graph: GraphResult): string[] {
  const out = new Set<string>();
  for (const node of graph.nodes) {
    for (const [key, value] of Object.entries(node.tags)) {
      if (value !== undefined && value !== null) out.add(`${key}=${tagText(value)}`);
    }
  }
  return [...out].sort();
}

// --- titles -------------------------------------------------------------------------------------

/**
 * A dataflow id as people say it: `driver:/abs/path/run.py` → `run.py (driver)`, relative to the
 * workspace when `relative` is given; `pyproject:features` → `features`; `module:m` → `m (module)`.
 */
export function dataflowTitle(id: string, relative: (path: string) => string = (p) => p.split(/[\\/]/).pop() ?? p): string {
  const colon = id.indexOf(':');
  if (colon < 0) return id;
  const kind = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (kind === 'driver') return `${relative(rest)} (driver)`;
  if (kind === 'pyproject') return rest;
  if (kind === 'module') return `${rest} (module)`;
  return id;
}

// --- overview -----------------------------------------------------------------------------------

/** Graphs with more nodes than this open as an overview of module groups. */
export const OVERVIEW_THRESHOLD = 300;
export const GROUP_PREFIX = 'group:';

/** The group a node is folded into: its module; inputs and config values form their own groups. */
export function groupOf(node: GraphNode): string {
  if (node.module) return node.module;
  if (node.kind === 'input') return 'inputs';
  if (node.kind === 'config') return 'config';
  return 'other';
}

export interface FoldState {
  /** groups drawn node by node */
  expanded: ReadonlySet<string>;
  /** nodes drawn although their group is folded (+ on a node reveals its neighbours) */
  revealed: ReadonlySet<string>;
}

export interface FoldedGroup {
  key: string;
  id: string;
  size: number;
  /** nodes of the group with problems */
  problems: number;
}

export interface FoldedEdge {
  source: string;
  target: string;
  /** how many graph edges this one stands for */
  count: number;
  optional: boolean;
  /** indexes into graph.edges */
  members: number[];
}

export interface Folded {
  nodes: GraphNode[];
  groups: FoldedGroup[];
  edges: FoldedEdge[];
  /** node id → the item it is drawn as (itself, or its group's id) */
  itemOf: Map<string, string>;
}

/** Fold the graph: nodes of folded groups become one box per group; edges between boxes are counted. */
export function fold(graph: GraphResult, state: FoldState | null, problemNodes: ReadonlySet<string> = new Set()): Folded {
  const itemOf = new Map<string, string>();
  const nodes: GraphNode[] = [];
  const groups = new Map<string, FoldedGroup>();
  for (const node of graph.nodes) {
    const key = groupOf(node);
    if (state === null || state.expanded.has(key) || state.revealed.has(node.id)) {
      nodes.push(node);
      itemOf.set(node.id, node.id);
      continue;
    }
    const id = GROUP_PREFIX + key;
    const group = groups.get(key) ?? { key, id, size: 0, problems: 0 };
    group.size++;
    if (problemNodes.has(node.id)) group.problems++;
    groups.set(key, group);
    itemOf.set(node.id, id);
  }
  const edges = new Map<string, FoldedEdge>();
  const direct: FoldedEdge[] = [];
  graph.edges.forEach((edge: GraphEdge, i) => {
    const source = itemOf.get(edge.source);
    const target = itemOf.get(edge.target);
    if (source === undefined || target === undefined || (source === target && source.startsWith(GROUP_PREFIX))) return;
    if (source === edge.source && target === edge.target) {
      direct.push({ source, target, count: 1, optional: edge.optional, members: [i] });
      return;
    }
    const key = `${source}\u0000${target}`;
    const folded = edges.get(key);
    if (folded) {
      folded.count++;
      folded.optional &&= edge.optional;
      folded.members.push(i);
    } else edges.set(key, { source, target, count: 1, optional: edge.optional, members: [i] });
  });
  return { nodes, groups: [...groups.values()], edges: [...direct, ...edges.values()], itemOf };
}
