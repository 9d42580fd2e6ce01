import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyPicker, runWorkload, seededRandom } from './workload.ts';
import { FakeClock } from '../fake-clock.ts';
import { WrongOwnerError, NoQuorumError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'shards-workload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shards/workload — generator', () => {
  it('shards/workload — zipf keys are skewed towards low ranks, uniform ones are not', () => {
    const count = (dist: 'uniform' | 'zipf'): Map<string, number> => {
      const pick = keyPicker(100, dist, seededRandom(7));
      const m = new Map<string, number>();
      for (let i = 0; i < 20_000; i++) {
        const k = pick();
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return m;
    };
    const z = count('zipf');
    const u = count('uniform');
    // zipf s=1 over 100 keys: rank 1 has 1/H(100) ≈ 19% of draws
    expect(z.get('key-0')! / 20_000).toBeGreaterThan(0.15);
    expect(z.get('key-0')!).toBeGreaterThan(5 * z.get('key-9')!);
    expect(Math.max(...u.values()) / 20_000).toBeLessThan(0.02);
    expect([...z.keys(), ...u.keys()].every((k) => /^key-\d+$/.test(k))).toBe(true);
  });

  it('shards/workload — paces writes, retries redirects with the same id, records every outcome', async () => {
    const clock = new FakeClock(1_000_000);
    const seen = new Map<string, number>();
    const incr = (
      key: string,
      _amount: number,
      requestId: string,
    ): Promise<{ value: number; epoch: number; node: string }> => {
      const n = (seen.get(requestId) ?? 0) + 1;
      seen.set(requestId, n);
      const i = Number(requestId.split('-')[1]);
      if (i % 10 === 0 && n === 1) return Promise.reject(new WrongOwnerError(0, 'x', 'y'));
      if (i % 10 === 1) return Promise.reject(new NoQuorumError(0, 'y'));
      return Promise.resolve({ value: n, epoch: 1, node: 'x' });
    };
    const log = join(dir, 'outcomes.jsonl');
    const run = runWorkload({
      incr,
      ratePerSec: 200,
      durationMs: 1_000,
      clock,
      keyCount: 10,
      shardCount: 4,
      outcomeLog: log,
    });
    await clock.advanceAsync(1_200, 5);
    const r = await run;
    expect(r.attempted).toBeGreaterThanOrEqual(190);
    expect(r.attempted).toBeLessThanOrEqual(200);
    expect(r.outcomes).toHaveLength(r.attempted);
    // wrong_owner was retried with the same request id and then acknowledged; no_quorum was not retried
    const redirected = r.outcomes.filter((o) => Number(o.requestId.split('-')[1]) % 10 === 0);
    expect(redirected.every((o) => o.ok)).toBe(true);
    expect(redirected.every((o) => seen.get(o.requestId) === 2)).toBe(true);
    const refused = r.outcomes.filter((o) => !o.ok);
    expect(refused.every((o) => o.code === 'no_quorum' && seen.get(o.requestId) === 1)).toBe(true);
    expect(r.acked).toBe(r.outcomes.length - refused.length);
    expect(r.outcomes.every((o) => o.shard !== undefined && o.shard < 4)).toBe(true);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(r.attempted);
    expect(JSON.parse(lines[0]!)).toHaveProperty('requestId');
  });

  it('shards/workload — stops at count and refuses nonsense rates', async () => {
    const clock = new FakeClock(1_000_000);
    const run = runWorkload({
      incr: () => Promise.resolve({ value: 1, epoch: 1, node: 'x' }),
      ratePerSec: 1_000,
      count: 25,
      clock,
    });
    await clock.advanceAsync(200, 5);
    expect((await run).attempted).toBe(25);
    await expect(
      runWorkload({ incr: () => Promise.reject(new Error()), ratePerSec: 0, count: 1 }),
    ).rejects.toThrow(RangeError);
  });
});
