import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInternals, cycleEdges, dataflowTitle, fold, lineage, problemMarks, tagReach, withoutInternals } from '../../src/preview/model';
import type { GraphNode, GraphResult } from '../../src/preview/protocol';

const URI = 'file:///ws/features.py';

function fn(id: string, line: number | null, extra: Partial<GraphNode> = {}): GraphNode {
  return {
    id,
    name: id,
    kind: 'function',
    tags: {},
    function: id,
    module: 'features',
    location: line === null ? null : { uri: URI, range: { start: { line, character: 4 }, end: { line, character: 4 + id.length } } },
    ...extra,
  };
}

const input = (id: string): GraphNode => fn(id, null, { kind: 'input', function: null, module: null });
const edge = (source: string, target: string) => ({ source, target, optional: false });

describe('cycles and problems', () => {
  const g: GraphResult = {
    dataflow: 'driver:/ws/run.py',
    version: 1,
    nodes: [fn('a', 0), fn('cyc_a', 10), fn('cyc_b', 14), fn('typo_node', 20), input('custmers'), fn('customers', 30)],
    edges: [edge('a', 'cyc_a'), edge('cyc_b', 'cyc_a'), edge('cyc_a', 'cyc_b'), edge('custmers', 'typo_node')],
    problems: [
      {
        code: 'LD002',
        severity: 'warning',
        message: "'typo_node' depends on 'custmers', which no function produces: did you mean 'customers'? If 'custmers' is meant to be an external input, ignore this",
        location: { uri: URI, range: { start: { line: 20, character: 15 }, end: { line: 20, character: 23 } } },
      },
      {
        code: 'LD001',
        severity: 'error',
        message: "cycle cyc_a -> cyc_b -> cyc_a: 'cyc_a' depends on 'cyc_b', which depends back on 'cyc_a'.",
        location: { uri: URI, range: { start: { line: 10, character: 11 }, end: { line: 10, character: 16 } } },
      },
    ],
  };

  it('finds exactly the edges on a cycle', () => {
    assert.deepEqual([...cycleEdges(g)].sort(), [1, 2]);
  });

  it('places an unknown dependency on a phantom node with its did-you-mean', () => {
    const marks = problemMarks(g);
    assert.deepEqual([...marks.phantoms.keys()], ['custmers']);
    assert.equal(marks.phantoms.get('custmers')!.didYouMean, 'customers');
    assert.deepEqual([...marks.byNode.keys()].sort(), ['cyc_a', 'typo_node']);
    assert.equal(marks.cycle.get(1)?.code, 'LD001');
    assert.equal(marks.cycle.get(2), null);
  });
});

describe('check_output internals and sources', () => {
  // loader(data_dir) -> age; age -> norm_raw -> norm_range_validator -> norm; norm_raw -> norm
  const g: GraphResult = {
    dataflow: 'module:features',
    version: 1,
    nodes: [
      input('data_dir'),
      fn('loader', 1, { tags: { source: 'crm_db', owner: 'data-eng' } }),
      fn('age', 2, { function: 'loader', tags: { PII: 'true' } }),
      fn('norm', 5),
      fn('norm_raw', 5, { function: 'norm' }),
      fn('norm_range_validator', 4, { function: 'norm' }),
      fn('report', 9),
    ],
    edges: [
      edge('data_dir', 'loader'),
      edge('loader', 'age'),
      edge('age', 'norm_raw'),
      edge('norm_raw', 'norm_range_validator'),
      edge('norm_raw', 'norm'),
      edge('norm_range_validator', 'norm'),
      edge('norm', 'report'),
    ],
  };

  it('recognises the internals of a checked node', () => {
    assert.deepEqual([...checkInternals(g)].sort(), [['norm_range_validator', 'norm'], ['norm_raw', 'norm']]);
  });

  it('shows the checked function reading what its body reads', () => {
    const l = lineage(g);
    assert.deepEqual(l.upstream('norm'), ['age']);
    assert.deepEqual(l.downstream('age'), ['norm']);
    const drawn = withoutInternals(g, l.internals);
    assert.deepEqual(drawn.nodes.map((n) => n.id), ['data_dir', 'loader', 'age', 'norm', 'report']);
    assert.deepEqual(drawn.edges.map((e) => `${e.source}>${e.target}`), ['data_dir>loader', 'loader>age', 'age>norm', 'norm>report']);
  });

  it('stops at loaders: a source tag or a function without node parameters', () => {
    const l = lineage(g);
    assert.ok(l.isSource('loader'));
    assert.ok(!l.isSource('age'));
    assert.deepEqual(l.sources('report'), ['loader']);
    assert.deepEqual(l.sources('loader'), ['data_dir']);
    assert.deepEqual(l.reachedBy('report', 'PII', 'true'), ['age']);
  });

  it("counts a loader's columns tagged like it as part of that source", () => {
    const g2: GraphResult = {
      ...g,
      nodes: [...g.nodes, fn('email', 3, { function: 'loader', tags: { source: 'crm_db' } }), fn('domain', 4)],
      edges: [...g.edges, edge('loader', 'email'), edge('email', 'domain')],
    };
    const l = lineage(g2);
    assert.ok(!l.isSource('email'));
    assert.deepEqual(l.sources('domain'), ['loader']);
  });

  it("highlights a tag's downstream", () => {
    const reach = tagReach(g, 'PII', 'true');
    assert.deepEqual([...reach.seeds], ['age']);
    assert.deepEqual([...reach.nodes].sort(), ['age', 'norm', 'norm_range_validator', 'norm_raw', 'report']);
  });
});

describe('titles and folding', () => {
  it('names dataflows as people say them', () => {
    assert.equal(dataflowTitle('driver:/home/me/project/run.py'), 'run.py (driver)');
    assert.equal(dataflowTitle('driver:/home/me/project/run.py', (p) => p.replace('/home/me/', '')), 'project/run.py (driver)');
    assert.equal(dataflowTitle('pyproject:features'), 'features');
    assert.equal(dataflowTitle('module:features'), 'features (module)');
  });

  it('folds modules into groups, revealed nodes stay', () => {
    const g: GraphResult = {
      dataflow: 'x',
      version: 1,
      nodes: [fn('a', 0, { module: 'm1' }), fn('b', 1, { module: 'm1' }), fn('c', 2, { module: 'm2' }), fn('d', 3, { module: 'm2' })],
      edges: [edge('a', 'c'), edge('b', 'c'), edge('b', 'd'), edge('a', 'b')],
    };
    const folded = fold(g, { expanded: new Set(), revealed: new Set(['c']) });
    assert.deepEqual(folded.nodes.map((n) => n.id), ['c']);
    assert.deepEqual(
      folded.edges.map((e) => `${e.source}>${e.target}:${e.count}`).sort(),
      ['group:m1>c:2', 'group:m1>group:m2:1'],
    );
  });
});
