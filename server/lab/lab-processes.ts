/**
 * What both labs (the TypeScript lab's `observatory node` processes and the BEAM lab's `erl`
 * nodes) offer the control plane over their table of node processes: names, pids, kill,
 * restart and stop. Only how a node is spawned differs, so that is the one thing a lab writes.
 */
import type { LabControl } from '../control/control.ts';
import {
  isRunning,
  killAndWait,
  signalGroup,
  stopGroups,
  type GroupProcess,
} from './process-group.ts';

export abstract class LabProcesses<R extends GroupProcess> implements LabControl {
  /** every node of the lab by full name, in start order */
  protected readonly nodes = new Map<string, R>();
  /** set by `stop()`: a spawn after it is refused (see `spawn`) */
  protected stopped = false;

  /** Starts (or restarts) the node's process; resolves when it is ready. */
  protected abstract spawn(r: R): Promise<void>;
  /** The error for a restart of a node this lab does not have. */
  protected abstract notALabNode(node: string): Error;

  /** Full names (`n1@127.0.0.1`) of every lab node. */
  names(): string[] {
    return [...this.nodes.keys()];
  }

  knows(node: string): boolean {
    return this.nodes.has(node);
  }

  /** OS pid of each node, undefined while it is not running. */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries(
      [...this.nodes].map(([name, r]) => [name, isRunning(r.child) ? r.child.pid : undefined]),
    );
  }

  /**
   * SIGKILL of the node's OS process (its whole group); false only when the lab never started
   * it. A node already down counts as killed: the control plane then reports it done.
   */
  kill(node: string): boolean {
    const r = this.nodes.get(node);
    if (r?.child === undefined) return false;
    signalGroup(r.child, 'SIGKILL');
    return true;
  }

  /** Re-spawns the node under the same name (and port), after its old process has exited. */
  async restart(node: string): Promise<void> {
    const r = this.nodes.get(node);
    if (r === undefined) throw this.notALabNode(node);
    await killAndWait(r);
    await this.spawn(r);
  }

  /** SIGTERM to every node group, SIGKILL after `graceMs`; resolves when all exited. */
  protected async stopNodes(graceMs: number): Promise<void> {
    this.stopped = true;
    await stopGroups([...this.nodes.values()], graceMs);
  }
}
