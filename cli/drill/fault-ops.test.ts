import { describe, expect, it } from 'vitest';
import {
  CLIENTS_THROUGH_FAULTS,
  faultsExpectation,
  opsDuringFaults,
  type Completion,
} from './fault-ops.ts';
import type { NemesisLine } from './clients.ts';

const ms = (n: number) => n * 1e6;
const nem = (f: string, at: number, value: Record<string, unknown> = {}): NemesisLine => ({
  f,
  value,
  time: ms(at),
});
const done = (at: number, type: Completion['type'] = 'ok'): Completion => ({ time: ms(at), type });

describe('drill faults — client operations during each fault', () => {
  it('drill faults — counts the operations completed inside each fault, of every outcome', () => {
    const faults = opsDuringFaults(
      [nem('load', 0), nem('partition', 10), nem('takeover', 12), nem('heal', 20)],
      [done(5), done(11), done(12, 'fail'), done(19, 'info'), done(25)],
    );
    expect(faults).toEqual([
      { f: 'partition', startMs: 10, endMs: 20, opsDuringFault: 3, okDuringFault: 1 },
    ]);
    expect(faultsExpectation(faults)).toMatchObject({ name: CLIENTS_THROUGH_FAULTS, pass: true });
  });

  it('drill faults — a fault no operation completed in fails the expectation, named with its time', () => {
    const faults = opsDuringFaults(
      [
        nem('partition', 100, { flap: 1 }),
        nem('heal', 200, { flap: 1 }),
        nem('partition', 300, { flap: 2 }),
        nem('heal', 400, { flap: 2 }),
        nem('clock-step', 500, { node: 'n1', offsetMs: 5 }),
        nem('clock-step', 600, { node: 'n1', offsetMs: 0 }),
      ],
      // the clients worked only during the first cut and the clock step
      [done(150), done(550)],
    );
    expect(faults.map((f) => [f.f, f.opsDuringFault])).toEqual([
      ['partition', 1],
      ['partition', 0],
      ['clock-step', 1],
    ]);
    const e = faultsExpectation(faults);
    expect(e.pass).toBe(false);
    expect(e.detail).toContain('partition at +0.3 s');
  });

  it('drill faults — a fault still open at the end counts up to the last operation; no fault at all proves nothing', () => {
    expect(opsDuringFaults([nem('kill', 10)], [done(5), done(30)])).toEqual([
      { f: 'kill', startMs: 10, endMs: null, opsDuringFault: 1, okDuringFault: 1 },
    ]);
    expect(faultsExpectation([]).pass).toBe(false);
  });
});
