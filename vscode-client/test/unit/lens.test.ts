import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLensTarget } from '../../src/lens';

const uri = 'file:///ws/features.py';
const at = (line: number, character: number) => ({ line, character });
const location = { uri, range: { start: at(24, 35), end: at(24, 42) } };

describe('code lens command arguments', () => {
  it('reads what the server sends for ↓ downstream and ↑ upstream', () => {
    const down = { uri, position: at(19, 4), node: 'contact', dataflow: 'driver:/ws/run.py', locations: [location] };
    assert.deepEqual(parseLensTarget([down]), down);
    const up = { uri, position: at(19, 4), node: 'contact', dataflow: 'driver:/ws/run.py' };
    assert.deepEqual(parseLensTarget([up]), { ...up, locations: [] });
  });

  it('refuses anything else (then the server is asked instead)', () => {
    const good = { uri, position: at(19, 4), node: 'contact', dataflow: 'd' };
    assert.equal(parseLensTarget([]), undefined);
    assert.equal(parseLensTarget(['contact']), undefined);
    assert.equal(parseLensTarget([{ ...good, position: { line: 1 } }]), undefined);
    assert.equal(parseLensTarget([{ ...good, node: 3 }]), undefined);
    assert.equal(parseLensTarget([{ ...good, locations: [{ uri, range: { start: at(1, 1) } }] }]), undefined);
    assert.equal(parseLensTarget([{ ...good, locations: 'here' }]), undefined);
  });
});
