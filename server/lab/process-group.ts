/**
 * The lab's node processes (`observatory node`, `erl`) each run in a process group of their own:
 * a signal then reaches everything a node started, and a Ctrl-C in the terminal reaches only the
 * launcher, which stops its nodes in order. Shared by the TypeScript lab and the BEAM lab.
 */
import type { ChildProcess } from 'node:child_process';

/** A lab node's current process (undefined before its first start) and its end. */
export interface GroupProcess {
  readonly child: ChildProcess | undefined;
  readonly exited: Promise<void>;
}

/** Still running: neither exited nor killed by a signal. */
export function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Signals a whole process group; a group already gone is fine. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || !isRunning(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: exited between the check and the kill.
  }
}

/** SIGKILL to the node's group if it runs, resolved once it has exited (before a restart). */
export async function killAndWait(p: GroupProcess): Promise<void> {
  if (!isRunning(p.child)) return;
  signalGroup(p.child, 'SIGKILL');
  await p.exited;
}

/** SIGTERM to every group, SIGKILL to what is left after `graceMs`; resolves when all exited. */
export async function stopGroups(all: readonly GroupProcess[], graceMs: number): Promise<void> {
  for (const p of all) if (p.child !== undefined) signalGroup(p.child, 'SIGTERM');
  const grace = setTimeout(() => {
    for (const p of all) if (p.child !== undefined) signalGroup(p.child, 'SIGKILL');
  }, graceMs);
  await Promise.all(all.map((p) => p.exited));
  clearTimeout(grace);
}
