import { describe, expect, it } from 'vitest';
import { BoundedSeqs } from './bounds.ts';

describe('ingest bounds', () => {
  it('ingest bounds — keeps the newest boot ids per node and warns about each one forgotten', () => {
    const warnings: string[] = [];
    const seqs = new BoundedSeqs({ maxBootsPerNode: 2, warn: (l) => warnings.push(l) });
    seqs.set('a\nb1', 1);
    seqs.set('a\nb2', 2);
    seqs.set('a\nb1', 3); // written again: now the newest
    seqs.set('a\nb3', 4);
    expect([seqs.get('a\nb1'), seqs.get('a\nb2'), seqs.get('a\nb3')]).toEqual([3, undefined, 4]);
    expect(seqs.size).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/a used more than 2 boot ids; .* boot b2/)]);
  });

  it('ingest bounds — keeps the most recently written nodes', () => {
    const warnings: string[] = [];
    const seqs = new BoundedSeqs({ maxNodes: 2, warn: (l) => warnings.push(l) });
    seqs.set('a\n1', 1);
    seqs.set('b\n1', 1);
    seqs.set('a\n1', 2);
    seqs.set('c\n1', 1);
    expect(seqs.nodes).toBe(2);
    expect(seqs.get('b\n1')).toBeUndefined();
    expect(seqs.get('a\n1')).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/forgot the cursors of b/)]);
  });
});
