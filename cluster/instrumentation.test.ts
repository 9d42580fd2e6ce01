import { describe, expect, it } from 'vitest';
import type { Logger } from './api.ts';
import { Hooks } from './instrumentation.ts';

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (msg) => errors.push(msg) };
}

describe('instrumentation', () => {
  it('instrumentation — frame listeners get positional frames; a throwing one is logged and does not stop the others', () => {
    const logger = recordingLogger();
    const hooks = new Hooks(logger);
    expect(hooks.hasFrame).toBe(false);
    const seen: string[] = [];
    const offBad = hooks.onFrame(() => {
      throw new Error('boom');
    });
    const offGood = hooks.onFrame((peer, channel, direction, bytes) =>
      seen.push(`${peer} ${channel} ${direction} ${bytes}`),
    );
    expect(hooks.hasFrame).toBe(true);
    hooks.emitFrame('b@h', 'rpc', 'out', 42);
    expect(seen).toEqual(['b@h rpc out 42']);
    expect(logger.errors).toEqual(['instrumentation listener threw']);
    offBad();
    offGood();
    expect(hooks.hasFrame).toBe(false);
  });

  it('instrumentation — a listener that unsubscribes during an emit does not skip the next one', () => {
    const hooks = new Hooks(recordingLogger());
    const calls: string[] = [];
    const offFirst = hooks.onFrame(() => {
      calls.push('first');
      offFirst();
    });
    hooks.onFrame(() => calls.push('second'));
    hooks.emitFrame('b@h', 'tick', 'in', 5);
    hooks.emitFrame('b@h', 'tick', 'in', 5);
    expect(calls).toEqual(['first', 'second', 'second']);
  });

  it('instrumentation — run listeners get equal frames in a row as one call with their count', () => {
    const hooks = new Hooks(recordingLogger());
    const runs: string[] = [];
    const frames: number[] = [];
    const off = hooks.onFrameRuns((peer, channel, direction, bytes, count) =>
      runs.push(`${peer} ${channel} ${direction} ${bytes}×${count}`),
    );
    hooks.onFrame((_p, _c, _d, bytes) => frames.push(bytes));
    for (let i = 0; i < 1000; i++) hooks.emitFrame('b@h', 'send', 'out', 120);
    hooks.emitFrame('b@h', 'send', 'out', 121); // another size ends the run
    hooks.emitFrame('b@h', 'send', 'in', 121); // another direction
    hooks.emitFrame('c@h', 'send', 'in', 121); // another peer
    hooks.emitFrame('c@h', 'tick', 'in', 121); // another channel
    expect(runs).toEqual([
      'b@h send out 120×1000',
      'b@h send out 121×1',
      'b@h send in 121×1',
      'c@h send in 121×1',
    ]);
    // the run in progress is delivered on demand, once
    hooks.flushFrameRuns();
    hooks.flushFrameRuns();
    expect(runs.at(-1)).toBe('c@h tick in 121×1');
    expect(runs).toHaveLength(5);
    // immediate listeners still see every frame
    expect(frames).toHaveLength(1004);
    // a listener that leaves gets what was pending first; nothing is held for nobody
    hooks.emitFrame('c@h', 'tick', 'in', 121);
    off();
    expect(runs.at(-1)).toBe('c@h tick in 121×1');
    expect(runs).toHaveLength(6);
  });
});
