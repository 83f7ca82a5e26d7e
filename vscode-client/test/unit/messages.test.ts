import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PreviewController, type PreviewHost } from '../../src/preview/controller';
import { contentSecurityPolicy, previewHtml } from '../../src/preview/html';
import { type GraphProblem, type GraphResult, type HostMessage, type LspLocation, parseGraphResult, parseHostMessage, parseWebviewMessage } from '../../src/preview/protocol';

const uri = 'file:///ws/features.py';
const location = (line: number): LspLocation => ({ uri, range: { start: { line, character: 4 }, end: { line, character: 8 } } });

function graph(version: number): GraphResult {
  return {
    dataflow: 'driver:/ws/run.py',
    version,
    nodes: [
      { id: 'data_dir', name: 'data_dir', kind: 'input', tags: {}, location: null },
      { id: 'age', name: 'age', kind: 'function', tags: {}, location: location(3) },
      { id: 'age_mean', name: 'age_mean', kind: 'function', tags: {}, location: location(9) },
    ],
    edges: [{ source: 'age', target: 'age_mean', optional: false }],
  };
}

class FakeHost implements PreviewHost {
  posted: HostMessage[] = [];
  opened: LspLocation[] = [];
  saved: string[] = [];
  logs: string[] = [];
  requests: string[] = [];
  answers: (GraphResult | null | Error)[] = [];
  problems?: (uris: string[]) => GraphProblem[];
  relativePath?: (path: string) => string;
  setTitle?: (title: string) => void;

  picked: (string | undefined)[] = [];

  async requestGraph(requested: string, dataflow?: string): Promise<GraphResult | null> {
    this.requests.push(requested);
    this.picked.push(dataflow);
    const answer = this.answers.shift() ?? null;
    if (answer instanceof Error) throw answer;
    return answer;
  }
  post(message: HostMessage): void {
    this.posted.push(message);
  }
  async openLocation(target: LspLocation): Promise<void> {
    this.opened.push(target);
  }
  async saveSvg(svg: string): Promise<void> {
    this.saved.push(svg);
  }
  log(message: string): void {
    this.logs.push(message);
  }
}

async function readyController(host: FakeHost): Promise<PreviewController> {
  const controller = new PreviewController(host);
  await controller.receive({ type: 'ready' });
  host.answers.push(graph(1));
  await controller.showDocument(uri);
  return controller;
}

describe('webview → extension messages', () => {
  it('parses only well-formed messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'openDefinition', node: 'age' }), { type: 'openDefinition', node: 'age' });
    assert.equal(parseWebviewMessage({ type: 'openDefinition', node: 3 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'exportSvg', svg: '<script>' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'runCommand', command: 'x' }), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
  });

  it('opens the definition of a clicked node', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    await controller.receive({ type: 'openDefinition', node: 'age_mean' });
    assert.deepEqual(host.opened, [location(9)]);
  });

  it('asks for the dataflow picked in the panel, and keeps asking for it', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    host.answers.push(graph(2), graph(3));
    await controller.receive({ type: 'pickDataflow', dataflow: 'driver:/ws/other_run.py' });
    await controller.graphChanged({ uris: [uri], dataflows: [], version: 3 });
    assert.deepEqual(host.picked, [undefined, 'driver:/ws/other_run.py', 'driver:/ws/other_run.py']);
    assert.equal(parseWebviewMessage({ type: 'pickDataflow', dataflow: '' }), undefined);
  });

  it('goes to a problem the page points at', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    await controller.receive({ type: 'openProblem', location: location(9) });
    await controller.receive({ type: 'openProblem', location: { uri } });
    assert.deepEqual(host.opened, [location(9)]);
    assert.equal(host.logs.length, 1, 'a malformed location is logged, not opened');
  });

  it('explains that an input has no definition instead of opening anything', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    await controller.receive({ type: 'openDefinition', node: 'data_dir' });
    assert.deepEqual(host.opened, []);
    assert.equal(host.posted.at(-1)?.type, 'status');
  });

  it('saves exported SVG and logs malformed messages', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    await controller.receive({ type: 'exportSvg', svg: '<svg></svg>' });
    await controller.receive({ type: 'openDefinition' });
    assert.deepEqual(host.saved, ['<svg></svg>']);
    assert.equal(host.logs.length, 1);
  });
});

describe('extension → webview messages', () => {
  it('sends nothing before the page is ready, then the graph', async () => {
    const host = new FakeHost();
    const controller = new PreviewController(host);
    host.answers.push(graph(1));
    await controller.showDocument(uri);
    assert.deepEqual(host.posted, []);
    await controller.receive({ type: 'ready' });
    assert.deepEqual(host.posted, [{ type: 'graph', graph: graph(1), document: uri, title: 'run.py (driver)' }]);
  });

  it('names the dataflow readably, in the panel title too', async () => {
    const host = new FakeHost();
    const titles: string[] = [];
    host.setTitle = (title) => titles.push(title);
    host.relativePath = (path) => path.replace('/ws/', '');
    const controller = await readyController(host);
    assert.equal(controller.title(), 'run.py (driver)');
    assert.deepEqual(titles, ['run.py (driver)']);
    const last = host.posted.filter((m) => m.type === 'graph').at(-1) as { title: string };
    assert.equal(last.title, 'run.py (driver)');
  });

  it("adds the files' diagnostics to the graph and redraws when they change", async () => {
    const host = new FakeHost();
    const problem = { code: 'LD001', severity: 'error', message: 'cycle', location: location(9) };
    let asked: string[] = [];
    host.problems = (uris) => {
      asked = uris;
      return [problem];
    };
    const controller = await readyController(host);
    assert.deepEqual(asked, [uri]);
    const graphs = (): { graph: GraphResult }[] => host.posted.filter((m) => m.type === 'graph') as { graph: GraphResult }[];
    assert.deepEqual(graphs().at(-1)!.graph.problems, [problem]);
    const before = graphs().length;
    controller.diagnosticsChanged(['file:///elsewhere.py']);
    assert.equal(graphs().length, before);
    controller.diagnosticsChanged([uri]);
    assert.equal(graphs().length, before + 1);
    assert.equal(host.requests.length, 1, 'diagnostics need no new graph from the server');
  });

  it('tells the webview which node the cursor is on', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    controller.cursorMoved(uri, 11, 0);
    controller.cursorMoved('file:///ws/other.py', 11, 0);
    assert.deepEqual(host.posted.at(-1), { type: 'cursor', node: 'age_mean' });
    assert.equal(host.posted.filter((m) => m.type === 'cursor').length, 1);
  });

  it('refreshes on graphChanged for its document or dataflow, not for others', async () => {
    const host = new FakeHost();
    const controller = await readyController(host);
    host.answers.push(graph(2), graph(3));
    await controller.graphChanged({ uris: ['file:///elsewhere.py'], dataflows: ['module:elsewhere'], version: 2 });
    assert.equal(host.requests.length, 1);
    await controller.graphChanged({ uris: [uri], dataflows: [], version: 2 });
    await controller.graphChanged({ uris: ['file:///ws/run.py'], dataflows: ['driver:/ws/run.py'], version: 3 });
    assert.equal(host.requests.length, 3);
    assert.equal(controller.currentGraph?.version, 3);
  });

  it('says why there is no graph', async () => {
    const host = new FakeHost();
    const controller = new PreviewController(host);
    await controller.receive({ type: 'ready' });
    host.answers.push(null, new Error('server down'));
    await controller.showDocument(uri);
    assert.match((host.posted.at(-1) as { reason: string }).reason, /no dataflow/);
    await controller.refresh();
    assert.match((host.posted.at(-1) as { reason: string }).reason, /server down/);
  });

  it('drops an answer overtaken by a newer request', async () => {
    const host = new FakeHost();
    const controller = new PreviewController(host);
    await controller.receive({ type: 'ready' });
    let release: (g: GraphResult) => void = () => undefined;
    host.requestGraph = (requested) => {
      host.requests.push(requested);
      return requested === uri ? new Promise((resolve) => (release = resolve)) : Promise.resolve(graph(9));
    };
    const slow = controller.showDocument(uri);
    await controller.showDocument('file:///ws/other.py');
    release(graph(1));
    await slow;
    assert.equal(controller.currentGraph?.version, 9);
    assert.equal(controller.currentDocument, 'file:///ws/other.py');
  });

  it('centres on a lens\'s node once the page has the graph that holds it', async () => {
    const host = new FakeHost();
    const controller = new PreviewController(host);
    controller.reveal('age_mean', uri); // the panel just opened: no page, no graph yet
    host.answers.push(graph(1));
    await controller.showDocument(uri);
    assert.equal(host.posted.length, 0);
    await controller.receive({ type: 'ready' });
    assert.deepEqual(host.posted.map((m) => m.type), ['graph', 'reveal']);
    assert.deepEqual(host.posted[1], { type: 'reveal', node: 'age_mean' });
    // once: later graphs do not move the view again
    host.answers.push(graph(2));
    await controller.refresh();
    assert.deepEqual(host.posted.map((m) => m.type), ['graph', 'reveal', 'graph']);
    // a node of another document waits for that document's graph, then goes
    controller.reveal('churn', 'file:///ws/other.py');
    assert.equal(host.posted.length, 3);
    host.answers.push({ ...graph(3), nodes: [...graph(3).nodes, { id: 'churn', name: 'churn', kind: 'function', tags: {}, location: null }] });
    await controller.showDocument('file:///ws/other.py');
    assert.deepEqual(host.posted.at(-1), { type: 'reveal', node: 'churn' });
    // a node the graph does not hold is never sent
    controller.reveal('gone', 'file:///ws/other.py');
    assert.deepEqual(host.posted.at(-1), { type: 'reveal', node: 'churn' });
    assert.deepEqual(parseHostMessage({ type: 'reveal', node: 'age' }), { type: 'reveal', node: 'age' });
    assert.equal(parseHostMessage({ type: 'reveal', node: '' }), undefined);
  });

  it('round-trips host messages through the parser the page uses', () => {
    const message: HostMessage = { type: 'graph', graph: graph(4), document: uri };
    assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(message))), {
      ...message,
      graph: { ...graph(4), focus: null, nodes: graph(4).nodes.map((n) => ({ type: null, doc: null, function: null, module: null, ...n })) },
    });
    assert.equal(parseHostMessage({ type: 'graph', graph: { nodes: 'x' } }), undefined);
    assert.equal(parseGraphResult({ nodes: [{ id: 1 }], edges: [] }), undefined);
  });
});

describe('page HTML', () => {
  it('allows only nonce scripts, wasm and the webview origin', () => {
    const csp = contentSecurityPolicy({ cspSource: 'https://webview.test', nonce: 'abc' });
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc' 'wasm-unsafe-eval'/);
    assert.match(csp, /worker-src blob:/);
    assert.doesNotMatch(csp, /unsafe-inline|https?:\/\/(?!webview\.test)/);
    const html = previewHtml({ cspSource: 'https://webview.test', nonce: 'abc', scriptUri: 'https://webview.test/w.js', styleUri: 'https://webview.test/s.css' });
    assert.match(html, /<script nonce="abc" src="https:\/\/webview.test\/w.js">/);
  });
});
