/**
 * A queue that runs one job per macrotask. The dashboard's charts each cost tens of milliseconds
 * to redraw; when several take new data at once (every step of the chart clock), running each
 * redraw in its own task keeps every task short, and lets input and a node's status update run
 * between them, instead of one long task that holds the main thread for the sum.
 */

export type Schedule = (run: () => void) => void;

/** A macrotask: `setTimeout(0)` (4 ms at most once nested, which is fine between redraws). */
const macrotask: Schedule = (run) => void setTimeout(run, 0);

export interface Stagger {
  /** Queues `job`; returns a function that takes it out again if it has not run yet. */
  (job: () => void): () => void;
  /** jobs waiting */
  readonly pending: () => number;
}

export function createStagger(schedule: Schedule = macrotask): Stagger {
  const queue: (() => void)[] = [];
  let scheduled = false;
  const runNext = () => {
    scheduled = false;
    const job = queue.shift();
    if (queue.length > 0) {
      scheduled = true;
      schedule(runNext);
    }
    job?.();
  };
  const stagger = (job: () => void) => {
    queue.push(job);
    if (!scheduled) {
      scheduled = true;
      schedule(runNext);
    }
    return () => {
      const i = queue.indexOf(job);
      if (i >= 0) queue.splice(i, 1);
    };
  };
  return Object.assign(stagger, { pending: () => queue.length });
}
