import { describe, expect, it } from 'vitest';
import { discovery, snapshot } from '../model/testing/fixtures.ts';
import { checkBatch } from './validate.ts';

describe('ingest — discovery section', () => {
  it('ingest — a malformed discovery section refuses its snapshot with a reason naming it; neighbours are kept', () => {
    const good = snapshot('a', 1, { discovery: discovery(['127.0.0.1:9102']) });
    const older = snapshot('a', 2); // an agent without discovery
    const bad = {
      ...snapshot('a', 3),
      discovery: { ...discovery(['127.0.0.1:9102']), attempts: [{ target: '', ok: 'yes' }] },
    };
    const oversized = {
      ...snapshot('a', 4),
      discovery: {
        ...discovery([]),
        targets: Array.from({ length: 1_000 }, (_, i) => `10.0.0.1:${i + 1}`),
      },
    };
    const result = checkBatch([good, older, bad, oversized], 'a', 'boot-a');
    expect(result.valid.map((s) => s.seq)).toEqual([1, 2]);
    expect(result.valid[0]!.discovery?.targets).toEqual(['127.0.0.1:9102']);
    expect(result.rejected).toMatchObject({ reason: 'bad_snapshot', count: 2 });
    expect(result.rejected!.message).toMatch(/^snapshot 2: discovery\.attempts\.0\./);
  });
});
