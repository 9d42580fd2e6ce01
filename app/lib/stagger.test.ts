import { describe, expect, it } from 'vitest';
import { createStagger } from './stagger.ts';

/** A schedule that runs tasks only when the test says so, one at a time. */
function manual() {
  const tasks: (() => void)[] = [];
  return {
    schedule: (run: () => void) => void tasks.push(run),
    step: () => tasks.shift()?.(),
    waiting: () => tasks.length,
  };
}

describe('stagger', () => {
  it('stagger — runs queued jobs one per task, in order', () => {
    const m = manual();
    const stagger = createStagger(m.schedule);
    const ran: string[] = [];
    stagger(() => ran.push('a'));
    stagger(() => ran.push('b'));
    stagger(() => ran.push('c'));
    expect(m.waiting()).toBe(1);
    m.step();
    expect(ran).toEqual(['a']);
    m.step();
    expect(ran).toEqual(['a', 'b']);
    m.step();
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(m.waiting()).toBe(0);
    expect(stagger.pending()).toBe(0);
  });

  it('stagger — a cancelled job never runs; a job queued by a job runs in a later task', () => {
    const m = manual();
    const stagger = createStagger(m.schedule);
    const ran: string[] = [];
    const cancel = stagger(() => ran.push('a'));
    stagger(() => {
      ran.push('b');
      stagger(() => ran.push('c'));
    });
    cancel();
    m.step();
    expect(ran).toEqual(['b']);
    m.step();
    expect(ran).toEqual(['b', 'c']);
    expect(m.waiting()).toBe(0);
  });
});
