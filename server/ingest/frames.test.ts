import { describe, expect, it } from 'vitest';
import { frameRowSchema } from '../../protocol/telemetry.ts';
import { frame } from '../model/testing/fixtures.ts';
import { frameRowProblem, parseFrames } from './frames.ts';

const good = frame('b@h', 'rpc', 3, 100);
const variants: unknown[] = [
  good,
  { ...good, extra: 1 },
  { ...good, direction: 'in' },
  { ...good, count: 0, bytes: 0, sketch: '' },
  { ...good, peer: '' },
  { ...good, peer: 'x'.repeat(255) },
  { ...good, peer: 'x'.repeat(256) },
  { ...good, channel: 'c'.repeat(129) },
  { ...good, direction: 'sideways' },
  { ...good, count: -1 },
  { ...good, count: 1.5 },
  { ...good, count: Number.NaN },
  { ...good, bytes: 2 ** 53 },
  { ...good, bytes: '5' },
  { ...good, sketch: 5 },
  { ...good, sketch: 'A'.repeat(16_385) },
  { peer: 'a', channel: 'b', direction: 'out', count: 1 },
  null,
  [],
  'row',
];

describe('ingest frames', () => {
  it.each(variants.map((v, i) => [i, v]))(
    'frames — row %i is accepted exactly when zod accepts it',
    (_i, row) => {
      expect(frameRowProblem(row) === undefined).toBe(frameRowSchema.safeParse(row).success);
    },
  );

  it('frames — valid rows come back with only the known keys; a bad row is named by its index', () => {
    expect(parseFrames([{ ...good, extra: 1 }])).toEqual({ ok: true, frames: [good] });
    expect(parseFrames([good, { ...good, count: -1 }])).toEqual({
      ok: false,
      message: 'frames.1.count: must be a non-negative integer',
    });
    expect(parseFrames('x')).toMatchObject({ ok: false });
  });
});
