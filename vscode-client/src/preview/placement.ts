/**
 * Incremental layout: when the drawn graph changes by a few boxes (a function typed or deleted, an
 * edge added), the boxes already on screen keep their Graphviz positions and each new box is put
 * in a free slot beside its neighbours (after its upstream boxes in the graph's direction, at
 * their height, the nearest free place scanning below then above), and each new edge gets a simple
 * route; Graphviz (`nop2`) then draws it all as given. A larger change, a change of
 * direction or the user's "Re-layout" runs the full layout instead. Pure: unit-tested in Node.
 *
 * Coordinates are Graphviz points, y upwards, a box given by its centre and size.
 */

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Geometry {
  /** drawn item id (node or group id) → its box */
  boxes: Map<string, Box>;
  /** `source\0target` of a drawn edge → its route as DOT attributes (`pos`, and `lp` for a label) */
  edges: Map<string, string>;
}

/** The change a new drawing makes to the one on screen. */
export interface Change {
  added: string[];
  removed: string[];
  retained: number;
}

/**
 * At most this many boxes added plus removed are placed by hand; past it the full layout runs.
 * Placing boxes one by one cannot reorder ranks or undo crossings: one function with its new
 * inputs (a typed function that reads two unknown names is 3 boxes, its removal 3 more while the
 * name is being typed) still reads as a dataflow, a dozen does not, and when a quarter of the
 * boxes changed the picture the user knew is gone anyway, so a fresh layout costs no orientation.
 */
export const SMALL_CHANGE = 6;

export function changeBetween(before: ReadonlySet<string>, after: ReadonlySet<string>): Change {
  const added = [...after].filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !after.has(id));
  return { added, removed, retained: after.size - added.length };
}

/** A change small enough to place by hand (see SMALL_CHANGE). */
export function isSmall(change: Change): boolean {
  const moved = change.added.length + change.removed.length;
  return change.retained > 0 && moved <= Math.min(SMALL_CHANGE, Math.ceil(change.retained / 4));
}

/** Space kept around each box when looking for a free slot (points; Graphviz's nodesep is 18). */
const MARGIN = 9;
/** Distance between a box and the rank after it (Graphviz's ranksep 0.5 in = 36 pt). */
const RANK_GAP = 36;

export function overlap(a: Box, b: Box, margin = 0): boolean {
  return Math.abs(a.x - b.x) * 2 < a.w + b.w + 2 * margin && Math.abs(a.y - b.y) * 2 < a.h + b.h + 2 * margin;
}

export interface NewBox {
  id: string;
  w: number;
  h: number;
  /** items it reads from / that read it (placed ones are used; others may be placed before it) */
  upstream: string[];
  downstream: string[];
}

function bounds(boxes: Iterable<Box>): { left: number; right: number; bottom: number; top: number } | null {
  let out: { left: number; right: number; bottom: number; top: number } | null = null;
  for (const b of boxes) {
    const edges = { left: b.x - b.w / 2, right: b.x + b.w / 2, bottom: b.y - b.h / 2, top: b.y + b.h / 2 };
    out = out
      ? { left: Math.min(out.left, edges.left), right: Math.max(out.right, edges.right), bottom: Math.min(out.bottom, edges.bottom), top: Math.max(out.top, edges.top) }
      : edges;
  }
  return out;
}

/**
 * Positions for new boxes among the placed ones, none overlapping another (with a margin).
 * `direction` is the graph's rankdir: LR puts a box right of its upstream, TB below it.
 * Boxes whose upstream is new too are placed after it.
 */
export function placeBoxes(placed: ReadonlyMap<string, Box>, added: NewBox[], direction: 'LR' | 'TB'): Map<string, Box> {
  const all = new Map(placed);
  const out = new Map<string, Box>();
  // upstream first: a box whose upstream is also new waits for it (a cycle among new boxes: any order)
  const pending = [...added];
  while (pending.length > 0) {
    let at = pending.findIndex((b) => !b.upstream.some((u) => pending.some((p) => p.id === u)));
    if (at < 0) at = 0;
    const [next] = pending.splice(at, 1);
    const box = placeOne(all, next!, direction);
    all.set(next!.id, box);
    out.set(next!.id, box);
  }
  return out;
}

function placeOne(all: ReadonlyMap<string, Box>, node: NewBox, direction: 'LR' | 'TB'): Box {
  // work in "flow" coordinates: f along the ranks (downstream increases), c across them
  const lr = direction === 'LR';
  const toFlow = (b: Box): { f: number; c: number; df: number; dc: number } =>
    lr ? { f: b.x, c: b.y, df: b.w, dc: b.h } : { f: -b.y, c: b.x, df: b.h, dc: b.w };
  const fromFlow = (f: number, c: number): Box => (lr ? { x: f, y: c, w: node.w, h: node.h } : { x: c, y: -f, w: node.w, h: node.h });
  const size = lr ? { df: node.w, dc: node.h } : { df: node.h, dc: node.w };
  const ups = node.upstream.map((id) => all.get(id)).filter((b): b is Box => b !== undefined).map(toFlow);
  const downs = node.downstream.map((id) => all.get(id)).filter((b): b is Box => b !== undefined).map(toFlow);
  let f: number;
  let c: number;
  if (ups.length > 0) {
    f = Math.max(...ups.map((u) => u.f + u.df / 2)) + RANK_GAP + size.df / 2;
    c = [...ups, ...downs].reduce((sum, b) => sum + b.c, 0) / (ups.length + downs.length);
  } else if (downs.length > 0) {
    f = Math.min(...downs.map((d) => d.f - d.df / 2)) - RANK_GAP - size.df / 2;
    c = downs.reduce((sum, b) => sum + b.c, 0) / downs.length;
  } else {
    // nothing to sit beside: under everything, at the start of the flow
    const edges = bounds([...all.values()].map((b) => { const t = toFlow(b); return { x: t.f, y: t.c, w: t.df, h: t.dc }; }));
    f = edges ? edges.left + size.df / 2 : 0;
    c = edges ? (lr ? edges.bottom - MARGIN * 2 - size.dc / 2 : edges.top + MARGIN * 2 + size.dc / 2) : 0;
  }
  const boxes = [...all.values()];
  const free = (candidate: Box): boolean => !boxes.some((b) => overlap(candidate, b, MARGIN));
  // the nearest free slot across the rank: below first (after the boxes already there), then above
  const step = size.dc / 2 + MARGIN;
  const below = lr ? -1 : 1;
  for (let i = 0; i < 400; i++) {
    for (const side of i === 0 ? [0] : [below, -below]) {
      const candidate = fromFlow(f, c + side * i * step);
      if (free(candidate)) return candidate;
    }
  }
  // a crowded rank: one rank further along the flow, then any place under everything
  const edges = bounds(boxes)!;
  return lr
    ? { x: f, y: edges.bottom - MARGIN * 2 - node.h / 2, w: node.w, h: node.h }
    : { x: edges.right + MARGIN * 2 + node.w / 2, y: -f, w: node.w, h: node.h };
}

/**
 * A box whose label grew (a ⚠ added, an input turned into a dashed "did you mean" box) and now
 * overlaps a neighbour: the nearest free place across its rank, scanning from where it is.
 */
export function settle(boxes: ReadonlyMap<string, Box>, id: string, direction: 'LR' | 'TB'): Box {
  const box = boxes.get(id)!;
  const others = [...boxes].filter(([other]) => other !== id).map(([, b]) => b);
  const lr = direction === 'LR';
  const step = (lr ? box.h : box.w) / 2 + MARGIN;
  for (let i = 0; i < 400; i++) {
    for (const side of i === 0 ? [0] : [-1, 1]) {
      const candidate = lr ? { ...box, y: box.y + side * i * step } : { ...box, x: box.x + side * i * step };
      if (!others.some((b) => overlap(candidate, b, MARGIN))) return candidate;
    }
  }
  return box;
}

/** A box among `ids` that overlaps another box of the map (the check before keeping resized boxes where they were). */
export function firstOverlap(boxes: ReadonlyMap<string, Box>, ids: Iterable<string>): [string, string] | null {
  for (const id of ids) {
    const box = boxes.get(id);
    if (box === undefined) continue;
    for (const [other, b] of boxes) if (other !== id && overlap(box, b)) return [id, other];
  }
  return null;
}

interface GraphvizJson {
  objects?: { id?: string; pos?: string; width?: string; height?: string; nodes?: unknown }[];
  edges?: { id?: string; pos?: string; lp?: string }[];
}

/**
 * The geometry of a Graphviz layout (its `json` output): boxes by drawn item, edge routes by
 * `source\0target`. `items` maps Graphviz element ids to items, `edgeKeys` element ids to edges.
 */
export function parseGeometry(json: string, items: ReadonlyMap<string, string>, edgeKeys: ReadonlyMap<string, string>): Geometry {
  const data = JSON.parse(json) as GraphvizJson;
  const boxes = new Map<string, Box>();
  for (const object of data.objects ?? []) {
    if (object.nodes !== undefined || object.id === undefined || object.pos === undefined) continue;
    const item = items.get(object.id);
    if (item === undefined) continue;
    const [x, y] = object.pos.split(',').map(Number);
    boxes.set(item, { x: x!, y: y!, w: Number(object.width) * 72, h: Number(object.height) * 72 });
  }
  const edges = new Map<string, string>();
  for (const edge of data.edges ?? []) {
    const key = edge.id === undefined ? undefined : edgeKeys.get(edge.id);
    if (key === undefined || edge.pos === undefined) continue;
    edges.set(key, `pos="${edge.pos}"${edge.lp ? `, lp="${edge.lp}"` : ''}`);
  }
  return { boxes, edges };
}

/** Where the ray from the box's centre in direction (dx, dy) leaves the box. */
function border(box: Box, dx: number, dy: number): { x: number; y: number } {
  const t = Math.min(dx === 0 ? Infinity : box.w / 2 / Math.abs(dx), dy === 0 ? Infinity : box.h / 2 / Math.abs(dy));
  return { x: box.x + dx * t, y: box.y + dy * t };
}

/** Graphviz's arrowhead length at the edges' arrowsize 0.6 (10 pt × 0.6). */
const ARROW = 6;

/**
 * A route for an edge from box `a` to box `b` in Graphviz's `pos` form (`e,tip` then one cubic
 * Bézier), bowed `bend` points to the left of the travel direction. Edges a→b and b→a get bows on
 * opposite sides, so the two edges of a two-node cycle are two lines, not one.
 */
export function bowedRoute(a: Box, b: Box, bend: number): string {
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const dx = (b.x - a.x) / length;
  const dy = (b.y - a.y) / length;
  const nx = -dy;
  const ny = dx;
  const lift = bend / 3;
  const start = border(a, dx, dy);
  const tip = border(b, -dx, -dy);
  const p0 = { x: start.x + nx * lift, y: start.y + ny * lift };
  const end = { x: tip.x + nx * lift, y: tip.y + ny * lift };
  const span = Math.hypot(end.x - p0.x, end.y - p0.y) || 1;
  const p3 = { x: end.x - ((end.x - p0.x) / span) * ARROW, y: end.y - ((end.y - p0.y) / span) * ARROW };
  const p1 = { x: p0.x + (p3.x - p0.x) / 3 + nx * bend, y: p0.y + (p3.y - p0.y) / 3 + ny * bend };
  const p2 = { x: p0.x + (2 * (p3.x - p0.x)) / 3 + nx * bend, y: p0.y + (2 * (p3.y - p0.y)) / 3 + ny * bend };
  const f = (p: { x: number; y: number }): string => `${Math.round(p.x * 100) / 100},${Math.round(p.y * 100) / 100}`;
  return `pos="e,${f(end)} ${f(p0)} ${f(p1)} ${f(p2)} ${f(p3)}"`;
}

/**
 * A simple route for a new edge: an S-curve from the side of `a` facing downstream to the side of
 * `b` facing upstream when `b` lies further along the flow (as dot draws them), else a straight
 * line between their borders. Routing around the other boxes (neato's splines) took seconds on a
 * 250-node graph; these take nothing, and a new box sits next to what it reads anyway.
 */
export function simpleRoute(a: Box, b: Box, direction: 'LR' | 'TB'): string {
  const f = (p: { x: number; y: number }): string => `${Math.round(p.x * 100) / 100},${Math.round(p.y * 100) / 100}`;
  if (direction === 'LR' && b.x - b.w / 2 > a.x + a.w / 2 + ARROW) {
    const p0 = { x: a.x + a.w / 2, y: a.y };
    const tip = { x: b.x - b.w / 2, y: b.y };
    const p3 = { x: tip.x - ARROW, y: tip.y };
    const half = (p3.x - p0.x) / 2;
    return `pos="e,${f(tip)} ${f(p0)} ${f({ x: p0.x + half, y: p0.y })} ${f({ x: p3.x - half, y: p3.y })} ${f(p3)}"`;
  }
  if (direction === 'TB' && b.y + b.h / 2 < a.y - a.h / 2 - ARROW) {
    const p0 = { x: a.x, y: a.y - a.h / 2 };
    const tip = { x: b.x, y: b.y + b.h / 2 };
    const p3 = { x: tip.x, y: tip.y + ARROW };
    const half = (p0.y - p3.y) / 2;
    return `pos="e,${f(tip)} ${f(p0)} ${f({ x: p0.x, y: p0.y - half })} ${f({ x: p3.x, y: p3.y + half })} ${f(p3)}"`;
  }
  return bowedRoute(a, b, 0);
}
