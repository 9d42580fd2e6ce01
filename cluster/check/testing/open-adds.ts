/**
 * A counter history whose adds all end `info` (open: each may have happened at any point after
 * its invoke, or never), invoked one after another with a read of the running sum after every
 * fourth — the shape that made the plain search exponential (open adds commute). Half the adds
 * take effect at their invoke, so the history is linearizable by construction; the reads pin
 * which amounts happened only as a sum.
 */
import type { Interval } from './index.ts';

export function openAddsHistory(
  adds: number,
  random: () => number,
  /** the key, and the first of the adds + 1 process ids used (several keys in one history) */
  at: { key: string | number; firstProcess: number } = { key: 'k', firstProcess: 0 },
): Interval[] {
  const { key, firstProcess: p0 } = at;
  const ops: Interval[] = [];
  let sum = 0;
  let t = 0;
  for (let i = 0; i < adds; i++) {
    const amount = 1 + Math.floor(random() * 5);
    // still running when the history ends: open
    ops.push({
      p: p0 + 1 + i,
      f: 'add',
      key,
      in: amount,
      type: 'info',
      start: t,
      end: t + 10 * adds,
    });
    if (random() < 0.5) sum += amount;
    t += 2;
    if (i % 4 === 3) {
      ops.push({ p: p0, f: 'read', key, out: sum, start: t, end: t + 1 });
      t += 2;
    }
  }
  return ops;
}
