import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { type GraphResult, parseGraphResult } from '../../src/preview/protocol';
import { type DrawOptions, drawDot } from '../../src/preview/dot';
import { fold } from '../../src/preview/model';
import { NO_VALUE, colourGroups, neighbourhood, nodeAtCursor, searchNodes, subgraph, tagKeys } from '../../src/preview/view';

function node(id: string, line: number | null, extra: Partial<GraphResult['nodes'][number]> = {}) {
  return {
    id,
    name: id,
    kind: 'function',
    tags: {},
    function: id,
    location:
      line === null
        ? null
        : { uri: 'file:///ws/m.py', range: { start: { line, character: 4 }, end: { line, character: 4 + id.length } } },
    ...extra,
  };
}

// a -> b -> c -> d, and x -> c
const chain: GraphResult = {
  dataflow: 'module:m',
  version: 1,
  nodes: [node('a', 0), node('b', 4), node('c', 8), node('d', 12), node('x', null, { kind: 'input' })],
  edges: [
    { source: 'a', target: 'b', optional: false },
    { source: 'b', target: 'c', optional: false },
    { source: 'c', target: 'd', optional: false },
    { source: 'x', target: 'c', optional: true },
  ],
};

describe('neighbourhood', () => {
  it('walks both directions to the given depth', () => {
    assert.deepEqual([...neighbourhood(chain, 'c', 1, 'both')].sort(), ['b', 'c', 'd', 'x']);
    assert.deepEqual([...neighbourhood(chain, 'c', 2, 'both')].sort(), ['a', 'b', 'c', 'd', 'x']);
  });

  it('walks one direction only, unbounded with null', () => {
    assert.deepEqual([...neighbourhood(chain, 'c', null, 'upstream')].sort(), ['a', 'b', 'c', 'x']);
    assert.deepEqual([...neighbourhood(chain, 'b', null, 'downstream')].sort(), ['b', 'c', 'd']);
  });

  it('is empty for an unknown node', () => {
    assert.equal(neighbourhood(chain, 'nope', 2, 'both').size, 0);
  });

  it('keeps only edges inside the kept set', () => {
    const sub = subgraph(chain, neighbourhood(chain, 'b', 1, 'both'));
    assert.deepEqual(sub.nodes.map((n) => n.id), ['a', 'b', 'c']);
    assert.deepEqual(sub.edges.map((e) => `${e.source}>${e.target}`), ['a>b', 'b>c']);
  });
});

describe('nodeAtCursor', () => {
  it('finds the node whose name is under the cursor', () => {
    assert.equal(nodeAtCursor(chain, 'file:///ws/m.py', 4, 5), 'b');
  });

  it('finds the enclosing function from a line in its body', () => {
    assert.equal(nodeAtCursor(chain, 'file:///ws/m.py', 10, 0), 'c');
    assert.equal(nodeAtCursor(chain, 'file:///ws/m.py', 99, 0), 'd');
  });

  it('returns null above the first node and for other documents', () => {
    const later = { ...chain, nodes: chain.nodes.filter((n) => n.id !== 'a') };
    assert.equal(nodeAtCursor(later, 'file:///ws/m.py', 1, 0), null);
    assert.equal(nodeAtCursor(chain, 'file:///ws/other.py', 5, 0), null);
  });

  it("prefers the function's own node among nodes on one line", () => {
    const extracted: GraphResult = {
      ...chain,
      nodes: [node('col', 3, { function: 'frame' }), node('frame', 3, { function: 'frame' })],
    };
    assert.equal(nodeAtCursor(extracted, 'file:///ws/m.py', 6, 0), 'frame');
  });

  it('matches URIs that differ only in percent-encoding', () => {
    const encoded = { ...chain, nodes: [node('a', 0, { location: { uri: 'file:///c%3A/ws/m.py', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } } })] };
    assert.equal(nodeAtCursor(encoded, 'file:///c:/ws/m.py', 3, 0), 'a');
  });
});

describe('colourGroups and tagKeys', () => {
  const tagged: GraphResult = {
    ...chain,
    nodes: [
      node('a', 0, { tags: { owner: 'eng', PII: 'true' } }),
      node('b', 1, { tags: { owner: 'science' } }),
      node('c', 2, { tags: { owner: 'eng' } }),
      node('x', null, { kind: 'input' }),
    ],
  };

  it('lists the tag keys present', () => {
    assert.deepEqual(tagKeys(tagged), ['PII', 'owner']);
  });

  it('groups by tag value with untagged nodes last', () => {
    const groups = colourGroups(tagged, 'owner');
    assert.deepEqual(groups.legend, ['eng', 'science', NO_VALUE]);
    assert.equal(groups.groupOf.get('a'), groups.groupOf.get('c'));
    assert.equal(groups.groupOf.get('x'), 2);
  });

  it('groups by kind', () => {
    assert.deepEqual(colourGroups(tagged, 'kind').legend, ['function', 'input']);
  });
});

describe('searchNodes', () => {
  it('ranks exact, then prefix, then substring matches', () => {
    const g: GraphResult = { ...chain, nodes: ['age_mean', 'age', 'mean_age', 'email'].map((n) => node(n, 0)) };
    assert.deepEqual(searchNodes(g, 'age'), ['age', 'age_mean', 'mean_age']);
    assert.deepEqual(searchNodes(g, '  '), []);
  });
});

describe('drawDot', () => {
  const plain = (g: GraphResult): DrawOptions => ({
    colours: colourGroups(g, 'kind'),
    problems: new Map(),
    phantoms: new Map(),
    cycle: new Set(),
    reach: null,
    outlined: new Set(),
    selected: null,
    cursor: null,
    checked: new Set(),
    expandable: new Set(),
  });

  it('has one statement per node and edge, with safe generated ids', () => {
    const odd: GraphResult = {
      ...chain,
      nodes: [node('say "hi"\\', 0), node('b', 1)],
      edges: [{ source: 'say "hi"\\', target: 'b', optional: true }],
    };
    const view = drawDot(fold(odd, null), { ...plain(odd), cursor: 'b' });
    assert.match(view.dot, /n0 \[id="n0", label="say \\"hi\\"\\\\"/);
    assert.match(view.dot, /n1 \[[^\]]*class="lineage-node kind-function group-0 highlighted"/);
    assert.match(view.dot, /n0 -> n1 \[id="e0", style=dashed, class="lineage-edge optional"\]/);
    assert.equal(view.items.get('n1'), 'b');
  });

  it('draws every node and edge of the example graph', () => {
    const raw: unknown = JSON.parse(readFileSync(path.join(__dirname, '../../../test/fixtures/example-graph.json'), 'utf8'));
    const graph = parseGraphResult(raw)!;
    const view = drawDot(fold(graph, null), { ...plain(graph), colours: colourGroups(graph, 'owner') });
    assert.equal((view.dot.match(/^ {2}n\d+ \[/gm) ?? []).length, graph.nodes.length);
    assert.equal((view.dot.match(/^ {2}n\d+ -> n\d+/gm) ?? []).length, graph.edges.length);
  });

  it('draws untagged nodes neutral when colouring by a tag', () => {
    const tagged: GraphResult = { ...chain, nodes: [node('a', 0, { tags: { PII: 'true' } }), node('b', 1)], edges: [] };
    const view = drawDot(fold(tagged, null), { ...plain(tagged), colours: colourGroups(tagged, 'PII') });
    assert.match(view.dot, /label="a"[^\n]*group-0/);
    assert.match(view.dot, /label="b"[^\n]*group-none/);
  });

  it('marks cycle edges, phantom nodes and folded groups with counted edges', () => {
    const g: GraphResult = {
      ...chain,
      nodes: [node('a', 0, { module: 'm1' }), node('b', 1, { module: 'm1' }), node('c', 2, { module: 'm2' }), node('typo', null, { kind: 'input' })],
      edges: [
        { source: 'a', target: 'c', optional: false },
        { source: 'b', target: 'c', optional: false },
        { source: 'typo', target: 'c', optional: false },
      ],
    };
    const folded = fold(g, { expanded: new Set(['m2', 'inputs']), revealed: new Set() });
    assert.deepEqual(folded.groups.map((x) => [x.key, x.size]), [['m1', 2]]);
    const view = drawDot(folded, { ...plain(g), phantoms: new Map([['typo', 'a']]), cycle: new Set([2]) });
    assert.match(view.dot, /label="m1\\n2 nodes · click to expand"/);
    assert.match(view.dot, /label="2"/);
    assert.match(view.dot, /label="typo\?\\nno such node — did you mean a\?"[^\n]*dashed[^\n]*phantom/);
    assert.match(view.dot, /class="lineage-edge cycle"/);
  });
});
