import { describe, expect, it } from 'vitest';
import { Reorder } from './reorder.ts';

describe('reorder', () => {
  it('reorder — delivers in order, holding a message that arrived ahead of a gap', () => {
    const r = new Reorder<string>(1_000);
    expect(r.push(1, 'a', 0)).toEqual(['a']);
    expect(r.push(3, 'c', 10)).toEqual([]);
    expect(r.waiting).toBe(1);
    expect(r.push(2, 'b', 20)).toEqual(['b', 'c']);
    expect(r.waiting).toBe(0);
  });

  it('reorder — drops repeats and messages older than what was delivered', () => {
    const r = new Reorder<string>(1_000);
    r.push(5, 'e', 0);
    expect(r.push(5, 'e again', 1)).toEqual([]);
    expect(r.push(4, 'late', 2)).toEqual([]);
    expect(r.push(6, 'f', 3)).toEqual(['f']);
  });

  it('reorder — skips a gap that did not fill within the wait', () => {
    const r = new Reorder<string>(1_000);
    r.push(1, 'a', 0);
    expect(r.push(3, 'c', 100)).toEqual([]);
    expect(r.push(5, 'e', 200)).toEqual([]);
    expect(r.expire(1_099)).toEqual([]);
    // 3 waited 1 s for 2; 5 has waited only 0.9 s for 4, so it still waits
    expect(r.expire(1_100)).toEqual(['c']);
    expect(r.expire(1_200)).toEqual(['e']);
    expect(r.push(4, 'too late', 1_300)).toEqual([]);
  });
});
