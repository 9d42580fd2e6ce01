import type { Clock } from '../cluster/api.ts';

/** The real clock. Timers are unref'd: the agent alone never keeps a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => unref(setTimeout(fn, ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn, ms) => unref(setInterval(fn, ms)),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

function unref(handle: NodeJS.Timeout): NodeJS.Timeout {
  handle.unref();
  return handle;
}
