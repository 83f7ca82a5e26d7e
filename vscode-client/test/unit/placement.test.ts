import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Box, bowedRoute, changeBetween, firstOverlap, isSmall, overlap, parseGeometry, placeBoxes } from '../../src/preview/placement';

const box = (x: number, y: number, w = 60, h = 23): Box => ({ x, y, w, h });

describe('changeBetween / isSmall', () => {
  it('counts added, removed and retained boxes', () => {
    assert.deepEqual(changeBetween(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd'])), { added: ['d'], removed: ['a'], retained: 2 });
  });

  it('calls a few boxes among many small, a dozen or a quarter of the graph large', () => {
    const many = new Set(Array.from({ length: 28 }, (_, i) => `n${i}`));
    assert.ok(isSmall(changeBetween(many, new Set([...many, 'new']))));
    assert.ok(isSmall(changeBetween(many, new Set([...many, 'a', 'b', 'c']))));
    assert.ok(!isSmall(changeBetween(many, new Set([...many, ...Array.from({ length: 7 }, (_, i) => `x${i}`)]))));
    assert.ok(!isSmall(changeBetween(new Set(['a', 'b', 'c']), new Set(['a', 'b', 'c', 'd', 'e']))));
    assert.ok(!isSmall(changeBetween(new Set(['a']), new Set(['b']))), 'nothing retained');
  });
});

describe('placeBoxes', () => {
  // a column of three boxes (LR ranks), and one to the right reading the middle one
  const placed = new Map([
    ['a', box(40, 100)],
    ['b', box(40, 60)],
    ['c', box(40, 20)],
    ['d', box(160, 60)],
  ]);

  it('puts a new box right of what it reads, at its height, when that slot is free', () => {
    const out = placeBoxes(placed, [{ id: 'n', w: 60, h: 23, upstream: ['a'], downstream: [] }], 'LR');
    const n = out.get('n')!;
    assert.ok(n.x - n.w / 2 >= 40 + 30 + 30, 'right of a, a rank away');
    assert.equal(n.y, 100);
  });

  it('moves down to the nearest free slot when that place is taken, overlapping nothing', () => {
    const out = placeBoxes(placed, [{ id: 'n', w: 60, h: 23, upstream: ['b'], downstream: [] }], 'LR');
    const n = out.get('n')!;
    for (const [id, b] of placed) assert.ok(!overlap(n, b), `overlaps ${id}`);
    assert.ok(n.y < 60, 'below d (Graphviz y grows upwards)');
  });

  it('places new boxes that read each other in order, and unconnected ones under everything', () => {
    const out = placeBoxes(
      placed,
      [
        { id: 'second', w: 60, h: 23, upstream: ['first'], downstream: [] },
        { id: 'first', w: 60, h: 23, upstream: ['c'], downstream: [] },
        { id: 'alone', w: 60, h: 23, upstream: [], downstream: [] },
      ],
      'LR',
    );
    assert.ok(out.get('second')!.x > out.get('first')!.x);
    assert.ok(out.get('alone')!.y < 20 - 23, 'under the lowest box');
    const all = new Map([...placed, ...out]);
    assert.equal(firstOverlap(all, all.keys()), null);
  });

  it('works across ranks top to bottom for TB', () => {
    const column = new Map([['g', box(100, 200, 120, 40)]]);
    const out = placeBoxes(column, [{ id: 'n', w: 120, h: 40, upstream: ['g'], downstream: [] }], 'TB');
    assert.ok(out.get('n')!.y < 200 - 40, 'below its upstream');
    assert.equal(out.get('n')!.x, 100);
  });
});

describe('bowedRoute', () => {
  it('gives a→b and b→a routes on opposite sides', () => {
    const a = box(0, 0);
    const b = box(200, 0);
    const there = bowedRoute(a, b, 14).match(/-?[\d.]+/g)!.map(Number);
    const back = bowedRoute(b, a, 14).match(/-?[\d.]+/g)!.map(Number);
    // the control points' y: above the line one way, below it the other
    assert.ok(there[5]! > 0 && back[5]! < 0);
    // the arrow tip touches the target's border
    assert.equal(there[0], 170);
  });
});

describe('parseGeometry', () => {
  it('reads boxes (inches to points) and edge routes from Graphviz json, by item', () => {
    const json = JSON.stringify({
      objects: [
        { name: 'cluster_c0', nodes: [0] },
        { _gvid: 0, name: 'n0', id: 'n0', pos: '27,18', width: '0.75', height: '0.5' },
      ],
      edges: [{ id: 'e0', pos: 'e,1,2 3,4 5,6 7,8 9,10', lp: '4,5' }],
    });
    const g = parseGeometry(json, new Map([['n0', 'age']]), new Map([['e0', 'age\u0000mean']]));
    assert.deepEqual(g.boxes.get('age'), { x: 27, y: 18, w: 54, h: 36 });
    assert.equal(g.edges.get('age\u0000mean'), 'pos="e,1,2 3,4 5,6 7,8 9,10", lp="4,5"');
  });
});
