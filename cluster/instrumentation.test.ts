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
});
