/**
 * The DOT text handed to Graphviz for what the preview shows: nodes, folded module groups with
 * counted edges, problem marks (error nodes, red cycle edges, dashed phantom nodes for unknown
 * dependencies), a tag's reach, the shown file's nodes outlined. DOT identifiers are generated
 * (`n0`, `e0`, ...) so no name can break the syntax; SVG classes carry the meaning and CSS maps
 * them onto the theme. Pure: unit-tested in Node.
 */
import { type Folded, groupOf } from './model';
import type { Geometry } from './placement';
import type { GraphProblem } from './protocol';
import { type ColourGroups, PALETTE_SIZE } from './view';

/** Labels are drawn at this size (px at zoom 1); the first view keeps them at >= READABLE_PX. */
export const FONT_SIZE = 12;
export const READABLE_PX = 11;

export interface DrawOptions {
  colours: ColourGroups;
  /** node id → its problems */
  problems: ReadonlyMap<string, GraphProblem[]>;
  /** input node id → did-you-mean text (null: none known) */
  phantoms: ReadonlyMap<string, string | null>;
  /** graph edge indexes on a cycle */
  cycle: ReadonlySet<number>;
  /** a highlighted tag's reach: seeds and everything downstream; null = no highlight */
  reach: { nodes: ReadonlySet<string>; seeds: ReadonlySet<string> } | null;
  /** nodes defined in the shown document */
  outlined: ReadonlySet<string>;
  selected: string | null;
  cursor: string | null;
  /** nodes that carry `@check_output` checks */
  checked: ReadonlySet<string>;
  /** nodes whose neighbours are not all drawn (+ expands them) */
  expandable: ReadonlySet<string>;
  /** nodes whose neighbours were drawn with + (− hides them again); ⊕ wins when a node is in both */
  collapsible?: ReadonlySet<string>;
  /** expanded groups drawn as a labelled frame around their nodes (clicking the frame folds it) */
  frames?: ReadonlySet<string>;
  /**
   * Where boxes and edges already are (incremental layout, rendered with Graphviz `nop2`): every
   * drawn box must have a place, and every edge a route (one without is drawn straight).
   */
  positions?: Geometry;
}

export interface DrawnItem {
  /** node id, or group id (`group:<module>`) */
  id: string;
  element: string;
}

export interface Drawing {
  dot: string;
  /** SVG element id → item */
  items: Map<string, string>;
  /** SVG element id → index into folded.edges */
  edges: Map<string, number>;
  /** SVG element id of a frame → its group key */
  frames: Map<string, string>;
  /** SVG element id of an edge → `source\0target` of the items it joins */
  edgeKeys: Map<string, string>;
  /** item → what its box's size depends on (label, shape, style): a box whose key changed is measured again */
  sizeKeys: Map<string, string>;
  /** DOT for just these items' boxes, unconnected: what Graphviz measures their sizes with */
  sizing(ids: Iterable<string>): string;
  rankdir: 'LR' | 'TB';
}

/** An edge's key in Drawing.edgeKeys and Geometry.edges. */
export function edgeKey(source: string, target: string): string {
  return `${source}\u0000${target}`;
}

function point(n: number): string {
  return String(Math.round(n * 100) / 100);
}

const SPECIAL = /[\\"\n]/;

export function quote(text: string): string {
  // most names need no escaping: skip the three replaces (a 20,000-node graph quotes 50,000 strings)
  if (!SPECIAL.test(text)) return `"${text}"`;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const SHAPES: Record<string, string> = { function: 'box', input: 'ellipse', config: 'hexagon' };

function worst(problems: GraphProblem[] | undefined): 'error' | 'warning' | null {
  if (!problems || problems.length === 0) return null;
  return problems.some((p) => p.severity === 'error') ? 'error' : 'warning';
}

function cssName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Statements between two pauses of `drawDotAsync` (about 10-20 ms of work). */
const CHUNK = 1500;

/** DOT for the folded graph, all at once (tests, small graphs). */
export function drawDot(folded: Folded, options: DrawOptions): Drawing {
  const steps = drawSteps(folded, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same, pausing every CHUNK statements so the page keeps answering input while a 20,000-node
 * graph is written out. `stale()` is asked at each pause: true ends the work (a newer render).
 */
export async function drawDotAsync(folded: Folded, options: DrawOptions, stale: () => boolean): Promise<Drawing | null> {
  const steps = drawSteps(folded, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    if (stale()) return null;
  }
}

function* drawSteps(folded: Folded, options: DrawOptions): Generator<void, Drawing> {
  const items = new Map<string, string>();
  const edges = new Map<string, number>();
  const edgeKeys = new Map<string, string>();
  const sizeKeys = new Map<string, string>();
  const sized = new Map<string, string>();
  // an overview of mostly folded groups reads top to bottom (a chain of modules fits the panel)
  const rankdir = folded.groups.length > folded.nodes.length ? 'TB' : 'LR';
  const placed = options.positions;
  const header = [
    'digraph livedag {',
    `  graph [rankdir=${rankdir}, bgcolor="transparent", nodesep=0.25, ranksep=0.5, fontname="Helvetica"];`,
    `  node [fontname="Helvetica", fontsize=${FONT_SIZE}, height=0.32, margin="0.12,0.05", style="rounded,filled"];`,
    `  edge [arrowsize=0.6, fontname="Helvetica", fontsize=${FONT_SIZE - 1}];`,
  ];
  const lines = [...header];
  /** the statement's placement, when incremental */
  const at = (id: string): string => {
    const box = placed?.boxes.get(id);
    return box ? `, pos="${point(box.x)},${point(box.y)}"` : '';
  };
  let n = 0;
  const elementOf = new Map<string, string>();
  for (const group of folded.groups) {
    const element = `n${n++}`;
    items.set(element, group.id);
    elementOf.set(group.id, element);
    const classes = ['lineage-node', 'lineage-group'];
    if (group.problems > 0) classes.push('problem-error');
    if (options.reach && [...options.reach.nodes].some((id) => folded.itemOf.get(id) === group.id)) classes.push('reach');
    else if (options.reach) classes.push('dim');
    const problems = group.problems > 0 ? `\n⚠ ${group.problems} with problems` : '';
    const label = `${group.key}\n${group.size} node${group.size === 1 ? '' : 's'} · click to expand${problems}`;
    const box = `label=${quote(label)}, shape=box, style="rounded,filled,bold"`;
    sizeKeys.set(group.id, box);
    sized.set(group.id, `  ${element} [id="${element}", ${box}];`);
    lines.push(`  ${element} [id="${element}", ${box}, class="${classes.join(' ')}"${at(group.id)}];`);
  }
  const frames = new Map<string, string>();
  const framed = new Map<string, string[]>();
  const statements: string[] = [];
  for (const node of folded.nodes) {
    if (n % CHUNK === CHUNK - 1) yield;
    const element = `n${n++}`;
    items.set(element, node.id);
    elementOf.set(node.id, element);
    const classes = ['lineage-node', `kind-${cssName(node.kind)}`];
    const group = options.colours.groupOf.get(node.id);
    const legendLabel = group === undefined ? undefined : options.colours.legend[group];
    classes.push(group === undefined || legendLabel === options.colours.neutral ? 'group-none' : `group-${group % PALETTE_SIZE}`);
    const severity = worst(options.problems.get(node.id));
    if (severity) classes.push(`problem-${severity}`);
    if (options.outlined.has(node.id)) classes.push('in-document');
    if (node.id === options.selected) classes.push('selected');
    if (node.id === options.cursor) classes.push('highlighted');
    if (options.reach) classes.push(options.reach.seeds.has(node.id) ? 'reach-seed' : options.reach.nodes.has(node.id) ? 'reach' : 'dim');
    let label = node.name;
    let shape = SHAPES[node.kind] ?? 'box';
    let style = '';
    if (options.phantoms.has(node.id)) {
      classes.push('phantom');
      const guess = options.phantoms.get(node.id);
      label = `${node.name}?\nno such node${guess ? ` — did you mean ${guess}?` : ''}`;
      shape = 'box';
      style = ', style="rounded,dashed,filled"';
    } else {
      if (severity) label = `⚠ ${label}`;
      if (options.checked.has(node.id)) label = `${label} ✓`;
      if (options.expandable.has(node.id)) label = `${label}  ⊕`;
      else if (options.collapsible?.has(node.id)) label = `${label}  ⊖`;
    }
    const box = `label=${quote(label)}, shape=${shape}${style}`;
    sizeKeys.set(node.id, box);
    sized.set(node.id, `  ${element} [id="${element}", ${box}];`);
    const statement = `  ${element} [id="${element}", ${box}, class="${classes.join(' ')}"${at(node.id)}];`;
    const key = groupOf(node);
    if (options.frames?.has(key) && !node.id.startsWith('group:')) {
      framed.set(key, [...(framed.get(key) ?? []), statement]);
    } else statements.push(statement);
  }
  lines.push(...statements);
  let c = 0;
  for (const [key, members] of framed) {
    const element = `c${c++}`;
    frames.set(element, key);
    lines.push(
      `  subgraph cluster_${element} {`,
      `    id="${element}"; label=${quote(`${key} — click here to fold`)}; class="lineage-frame"; style="rounded,dashed"; fontsize=${FONT_SIZE}; labeljust=l;`,
      ...members.map((m) => `  ${m}`),
      '  }',
    );
  }
  for (let i = 0; i < folded.edges.length; i++) {
    if (i % CHUNK === CHUNK - 1) yield;
    const edge = folded.edges[i]!;
    const source = elementOf.get(edge.source);
    const target = elementOf.get(edge.target);
    if (source === undefined || target === undefined) continue;
    const element = `e${i}`;
    edges.set(element, i);
    const key = edgeKey(edge.source, edge.target);
    edgeKeys.set(element, key);
    const classes = ['lineage-edge'];
    const attrs = [`id="${element}"`];
    const route = placed?.edges.get(key);
    if (route !== undefined) attrs.push(route);
    if (edge.optional) {
      classes.push('optional');
      attrs.push('style=dashed');
    }
    if (edge.members.some((m) => options.cycle.has(m))) {
      classes.push('cycle');
      attrs.push('penwidth=2');
    }
    if (options.reach) {
      const inReach = options.reach.nodes;
      const reached = edge.source.startsWith('group:') || edge.target.startsWith('group:') ? false : inReach.has(edge.source) && inReach.has(edge.target);
      classes.push(reached ? 'reach' : 'dim');
    }
    if (edge.count > 1) {
      attrs.push(`label=${quote(String(edge.count))}`, `penwidth=${Math.min(4, 1 + Math.log2(edge.count) / 2).toFixed(2)}`);
    }
    attrs.push(`class="${classes.join(' ')}"`);
    lines.push(`  ${source} -> ${target} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  const sizing = (ids: Iterable<string>): string =>
    [...header, ...[...ids].map((id) => sized.get(id)).filter((s) => s !== undefined), '}'].join('\n');
  return { dot: lines.join('\n'), items, edges, frames, edgeKeys, sizeKeys, sizing, rankdir };
}
