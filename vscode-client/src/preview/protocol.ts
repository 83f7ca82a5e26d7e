/**
 * The shapes that cross process boundaries: the server's `livedag/graph` result and
 * `livedag/graphChanged` notification (see the LSP custom protocol), and the messages between the
 * extension and the webview. Both the extension and the webview page import this module, so it
 * must not import `vscode` or touch the DOM.
 */

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspLocation {
  uri: string;
  range: { start: LspPosition; end: LspPosition };
}

export type NodeKind = 'function' | 'input' | 'config';

export interface GraphNode {
  id: string;
  name: string;
  kind: NodeKind | string;
  type?: string | null;
  tags: Record<string, unknown>;
  doc?: string | null;
  function?: string | null;
  module?: string | null;
  location: LspLocation | null;
}

export interface GraphEdge {
  source: string;
  target: string;
  optional: boolean;
}

/** A diagnostic of the dataflow's files (from VS Code's diagnostics, or `livedag graph`'s problems). */
export interface GraphProblem {
  code: string;
  severity: string;
  message: string;
  location: LspLocation | null;
}

/** Result of the `livedag/graph` request (null when the document belongs to no dataflow). */
export interface GraphResult {
  dataflow: string;
  /** every dataflow the document belongs to (the server lists them; several: a picker is offered) */
  dataflows?: string[];
  version: number;
  focus?: string | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** the dataflow's problems, when the sender knows them (the extension adds VS Code's diagnostics) */
  problems?: GraphProblem[];
  dot?: string;
  mermaid?: string;
}

/** Params of the `livedag/graphChanged` notification. */
export interface GraphChangedParams {
  uris: string[];
  dataflows: string[];
  version: number;
}

export type Direction = 'both' | 'upstream' | 'downstream';

/** Extension → webview. */
export type HostMessage =
  | { type: 'graph'; graph: GraphResult | null; document: string | null; reason?: string; title?: string }
  | { type: 'cursor'; node: string | null }
  /** centre the view on this node (a `↑ upstream` lens was clicked): the page has it drawn */
  | { type: 'reveal'; node: string }
  | { type: 'status'; text: string };

/** Webview → extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'openDefinition'; node: string }
  | { type: 'openProblem'; location: LspLocation }
  | { type: 'pickDataflow'; dataflow: string }
  | { type: 'exportSvg'; svg: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Accept only well-formed webview messages: the webview is a web page, so anything it posts is
 * checked before the extension acts on it.
 */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openDefinition':
      return typeof value.node === 'string' && value.node !== ''
        ? { type: 'openDefinition', node: value.node }
        : undefined;
    case 'pickDataflow':
      return typeof value.dataflow === 'string' && value.dataflow !== ''
        ? { type: 'pickDataflow', dataflow: value.dataflow }
        : undefined;
    case 'openProblem': {
      const location = parseLocation(value.location);
      return location === null ? undefined : { type: 'openProblem', location };
    }
    case 'exportSvg':
      return typeof value.svg === 'string' && value.svg.trimStart().startsWith('<svg')
        ? { type: 'exportSvg', svg: value.svg }
        : undefined;
    default:
      return undefined;
  }
}

export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'graph': {
      const graph = value.graph === null ? null : parseGraphResult(value.graph);
      if (graph === undefined) return undefined;
      const document = typeof value.document === 'string' ? value.document : null;
      const reason = typeof value.reason === 'string' ? value.reason : undefined;
      const title = typeof value.title === 'string' ? value.title : undefined;
      return {
        type: 'graph',
        graph,
        document,
        ...(reason === undefined ? {} : { reason }),
        ...(title === undefined ? {} : { title }),
      };
    }
    case 'cursor':
      return { type: 'cursor', node: typeof value.node === 'string' ? value.node : null };
    case 'reveal':
      return typeof value.node === 'string' && value.node !== '' ? { type: 'reveal', node: value.node } : undefined;
    case 'status':
      return typeof value.text === 'string' ? { type: 'status', text: value.text } : undefined;
    default:
      return undefined;
  }
}

function parseLocation(value: unknown): LspLocation | null {
  if (!isRecord(value) || typeof value.uri !== 'string' || !isRecord(value.range)) return null;
  const { start, end } = value.range;
  if (!isPosition(start) || !isPosition(end)) return null;
  return { uri: value.uri, range: { start, end } };
}

function isPosition(value: unknown): value is LspPosition {
  return isRecord(value) && typeof value.line === 'number' && typeof value.character === 'number';
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Check a `livedag/graph` result and normalise optional fields, so the view code can trust it.
 * Returns undefined for anything that is not a graph (a newer or broken server).
 */
export function parseGraphResult(value: unknown): GraphResult | undefined {
  if (!isRecord(value) || !Array.isArray(value.nodes) || !Array.isArray(value.edges)) {
    return undefined;
  }
  const nodes: GraphNode[] = [];
  for (const raw of value.nodes) {
    if (!isRecord(raw) || typeof raw.id !== 'string') return undefined;
    nodes.push({
      id: raw.id,
      name: typeof raw.name === 'string' ? raw.name : raw.id,
      kind: typeof raw.kind === 'string' ? raw.kind : 'function',
      type: optionalString(raw.type),
      tags: isRecord(raw.tags) ? raw.tags : {},
      doc: optionalString(raw.doc),
      function: optionalString(raw.function),
      module: optionalString(raw.module),
      location: parseLocation(raw.location),
    });
  }
  const edges: GraphEdge[] = [];
  for (const raw of value.edges) {
    if (!isRecord(raw) || typeof raw.source !== 'string' || typeof raw.target !== 'string') {
      return undefined;
    }
    edges.push({ source: raw.source, target: raw.target, optional: raw.optional === true });
  }
  const problems: GraphProblem[] = [];
  if (Array.isArray(value.problems)) {
    for (const raw of value.problems) {
      if (!isRecord(raw) || typeof raw.message !== 'string') continue;
      problems.push({
        code: typeof raw.code === 'string' ? raw.code : '',
        severity: typeof raw.severity === 'string' ? raw.severity : 'error',
        message: raw.message,
        location: parseLocation(raw.location),
      });
    }
  }
  return {
    dataflow: typeof value.dataflow === 'string' ? value.dataflow : '',
    version: typeof value.version === 'number' ? value.version : 0,
    focus: optionalString(value.focus),
    nodes,
    edges,
    ...(Array.isArray(value.problems) ? { problems } : {}),
    ...(Array.isArray(value.dataflows) && value.dataflows.every((d) => typeof d === 'string')
      ? { dataflows: value.dataflows as string[] }
      : {}),
    ...(typeof value.dot === 'string' ? { dot: value.dot } : {}),
    ...(typeof value.mermaid === 'string' ? { mermaid: value.mermaid } : {}),
  };
}
