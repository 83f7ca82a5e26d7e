/**
 * What the preview panel does, without VS Code: which document's dataflow it shows, when it asks
 * the server again, what it tells the webview, and how it answers the webview. The panel wires this
 * to the real webview and editors; tests wire it to a fake host.
 */
import { dataflowTitle } from './model';
import {
  type GraphChangedParams,
  type GraphProblem,
  type GraphResult,
  type HostMessage,
  type LspLocation,
  parseWebviewMessage,
} from './protocol';
import { nodeAtCursor, sameUri } from './view';

export interface PreviewHost {
  /** `livedag/graph` for the whole dataflow of `uri` (`dataflow`: which one); null when it belongs to none. */
  requestGraph(uri: string, dataflow?: string): Promise<GraphResult | null>;
  post(message: HostMessage): void;
  openLocation(location: LspLocation): Promise<void>;
  saveSvg(svg: string): Promise<void>;
  log(message: string): void;
  /** livedag's diagnostics in these files (VS Code has them already: drawn as problem marks) */
  problems?(uris: string[]): GraphProblem[];
  /** a workspace path as the user reads it (relative to the workspace folder) */
  relativePath?(path: string): string;
  /** the panel's title changed (the shown dataflow) */
  setTitle?(title: string): void;
}

/** The files a graph's nodes are defined in. */
export function graphFiles(graph: GraphResult): string[] {
  const uris = new Set<string>();
  for (const node of graph.nodes) if (node.location) uris.add(node.location.uri);
  return [...uris];
}

export class PreviewController {
  private document: string | null = null;
  private graph: GraphResult | null = null;
  private cursor: { uri: string; line: number; character: number } | null = null;
  private request = 0;
  private ready = false;
  /** the dataflow picked in the panel, kept while the shown documents belong to it */
  private picked: string | null = null;
  /** a node to centre on once the page has a graph holding it (see `reveal`) */
  private revealing: { node: string; document: string } | null = null;

  constructor(private readonly host: PreviewHost) {}

  get currentGraph(): GraphResult | null {
    return this.graph;
  }

  get currentDocument(): string | null {
    return this.document;
  }

  /** The active Python editor changed: show its dataflow (unchanged document: nothing to do). */
  async showDocument(uri: string): Promise<void> {
    if (this.document !== null && sameUri(this.document, uri) && this.graph !== null) return;
    this.document = uri;
    await this.refresh();
  }

  /** Ask the server again; an answer that arrives after a newer request started is dropped. */
  async refresh(): Promise<void> {
    const uri = this.document;
    if (uri === null) return;
    const request = ++this.request;
    let graph: GraphResult | null;
    let reason: string | undefined;
    try {
      graph = await this.host.requestGraph(uri, this.picked ?? undefined);
      if (graph === null) reason = 'This file belongs to no dataflow.';
    } catch (error) {
      graph = null;
      reason = `The livedag server could not answer: ${error instanceof Error ? error.message : String(error)}`;
      this.host.log(`livedag/graph for ${uri} failed: ${reason}`);
    }
    if (request !== this.request) return;
    this.graph = graph;
    this.sendGraph(reason);
  }

  /** `livedag/graphChanged`: redraw when the change touches the shown document or its dataflow. */
  async graphChanged(params: GraphChangedParams): Promise<void> {
    if (this.document === null) return;
    const touchesDocument = params.uris.some((uri) => sameUri(uri, this.document!));
    const touchesDataflow = this.graph !== null && params.dataflows.includes(this.graph.dataflow);
    const stale = this.graph !== null && params.version > this.graph.version;
    if (touchesDocument || touchesDataflow || (this.graph === null && stale)) await this.refresh();
  }

  /** Diagnostics changed in `uris`: redraw the problem marks when one is a file of the graph. */
  diagnosticsChanged(uris: string[]): void {
    if (this.graph === null) return;
    const files = graphFiles(this.graph);
    if (uris.some((uri) => files.some((file) => sameUri(file, uri)))) this.sendGraph();
  }

  /** The dataflow as people say it (`run.py (driver)`, not `driver:/abs/path/run.py`). */
  title(): string | undefined {
    if (this.graph === null) return undefined;
    return dataflowTitle(this.graph.dataflow, this.host.relativePath);
  }

  /** The cursor moved in an editor: tell the webview which node it is on (for the shown document). */
  cursorMoved(uri: string, line: number, character: number): void {
    this.cursor = { uri, line, character };
    this.sendCursor();
  }

  /**
   * Centre the page on `node` of `document`'s dataflow (a `↑ upstream` lens was clicked). The
   * graph may still be on its way (the panel just opened, or it showed another file): then the
   * page is told right after the graph that holds the node.
   */
  reveal(node: string, document: string): void {
    this.revealing = { node, document };
    this.sendReveal();
  }

  private sendReveal(): void {
    const wanted = this.revealing;
    if (wanted === null || !this.ready || this.graph === null || this.document === null) return;
    if (!sameUri(this.document, wanted.document)) return;
    if (!this.graph.nodes.some((n) => n.id === wanted.node)) return;
    this.revealing = null;
    this.host.post({ type: 'reveal', node: wanted.node });
  }

  /** A message from the webview (untrusted: parsed first, anything else ignored). */
  async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (message === undefined) {
      this.host.log(`ignored a malformed message from the preview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.sendGraph();
        return;
      case 'openDefinition': {
        const node = this.graph?.nodes.find((n) => n.id === message.node);
        if (node?.location) await this.host.openLocation(node.location);
        else this.host.post({ type: 'status', text: `"${message.node}" has no definition in the code (an input or config value).` });
        return;
      }
      case 'pickDataflow':
        this.picked = message.dataflow;
        await this.refresh();
        return;
      case 'openProblem':
        await this.host.openLocation(message.location);
        return;
      case 'exportSvg':
        await this.host.saveSvg(message.svg);
        return;
    }
  }

  private sendGraph(reason?: string): void {
    const title = this.title();
    if (title !== undefined) this.host.setTitle?.(title);
    if (!this.ready) return;
    let graph = this.graph;
    if (graph !== null && this.host.problems) graph = { ...graph, problems: this.host.problems(graphFiles(graph)) };
    this.host.post({
      type: 'graph',
      graph,
      document: this.document,
      ...(reason ? { reason } : {}),
      ...(title !== undefined ? { title } : {}),
    });
    this.sendCursor();
    this.sendReveal();
  }

  private sendCursor(): void {
    if (!this.ready || this.graph === null || this.cursor === null) return;
    if (this.document === null || !sameUri(this.cursor.uri, this.document)) return;
    const { uri, line, character } = this.cursor;
    this.host.post({ type: 'cursor', node: nodeAtCursor(this.graph, uri, line, character) });
  }
}
