/**
 * The node's local processes and what other nodes hold on them: registered names, links and
 * monitors from remote pids; and the routing of incoming control messages (SEND, REG_SEND, LINK,
 * UNLINK_ID, EXIT/EXIT2, MONITOR_P, DEMONITOR_P, MONITOR_P_EXIT, SPAWN_REQUEST/REPLY) to them.
 */
import type { Channel } from '../api.ts';
import { OP, type DistMessage } from './dist/control.ts';
import { MalformedTermError } from './errors.ts';
import { Atom, Pid, Ref, atom, tuple, type Term, type Tuple } from './terms.ts';

/** A local process: something with a pid that messages can be delivered to. */
export interface LocalProcess {
  readonly pid: Pid;
  deliver(msg: Term, from?: Pid): void;
}

interface RemoteMonitor {
  readonly ref: Ref;
  readonly watcher: Pid;
  /** what the watcher monitored: our pid, or our registered name */
  readonly target: Pid | Atom;
}

type SendControl = (
  node: string,
  control: Tuple,
  payload: Term | undefined,
  channel: Channel,
) => void;

export class ProcessTable {
  private readonly procs = new Map<string, LocalProcess>();
  private readonly names = new Map<string, LocalProcess>();
  private readonly links = new Map<string, Pid[]>();
  private readonly monitors = new Map<string, RemoteMonitor[]>();
  /** spawn requests (erpc), handled by the services module */
  onSpawnRequest: (peer: string, msg: DistMessage) => void = () => {};

  constructor(private readonly sendControl: SendControl) {}

  add(proc: LocalProcess, name?: string): void {
    this.procs.set(proc.pid.key, proc);
    if (name !== undefined) this.names.set(name, proc);
  }

  get(pid: Pid): LocalProcess | undefined {
    return this.procs.get(pid.key);
  }

  whereis(name: string): LocalProcess | undefined {
    return this.names.get(name);
  }

  /** The process ended: tell linked and monitoring processes elsewhere, forget it. */
  exit(pid: Pid, reason: Term, name?: string): void {
    this.procs.delete(pid.key);
    if (name !== undefined && this.names.get(name)?.pid === pid) this.names.delete(name);
    for (const other of this.links.get(pid.key) ?? [])
      this.sendControl(other.node.name, tuple(OP.PAYLOAD_EXIT, pid, other), reason, 'monitor');
    this.links.delete(pid.key);
    for (const m of this.monitors.get(pid.key) ?? [])
      this.sendControl(
        m.watcher.node.name,
        tuple(OP.PAYLOAD_MONITOR_P_EXIT, m.target, m.watcher, m.ref),
        reason,
        'monitor',
      );
    this.monitors.delete(pid.key);
  }

  /** `peer` is gone: links to its processes break with `noconnection`; its monitors go away. */
  nodeDown(peer: string): void {
    for (const [key, pids] of this.links) {
      const gone = pids.filter((p) => p.node.name === peer);
      if (gone.length === 0) continue;
      this.links.set(
        key,
        pids.filter((p) => p.node.name !== peer),
      );
      const proc = this.procs.get(key);
      for (const p of gone) proc?.deliver(tuple(atom('EXIT'), p, atom('noconnection')));
    }
    for (const [key, ms] of this.monitors)
      this.monitors.set(
        key,
        ms.filter((m) => m.watcher.node.name !== peer),
      );
  }

  dispatch(peer: string, msg: DistMessage): void {
    const c = msg.control;
    switch (msg.op) {
      case OP.SEND:
      case OP.SEND_TT:
        return this.deliverTo(pidAt(c, 2), msg.payload!, undefined);
      case OP.SEND_SENDER:
      case OP.SEND_SENDER_TT:
        return this.deliverTo(pidAt(c, 2), msg.payload!, pidAt(c, 1));
      case OP.REG_SEND:
      case OP.REG_SEND_TT: {
        const name = c[3];
        if (!(name instanceof Atom)) throw new MalformedTermError('REG_SEND to a non-atom');
        this.names.get(name.name)?.deliver(msg.payload!, pidAt(c, 1));
        return;
      }
      case OP.LINK: {
        const from = pidAt(c, 1);
        const to = pidAt(c, 2);
        if (!this.procs.has(to.key))
          return this.sendControl(
            peer,
            tuple(OP.PAYLOAD_EXIT, to, from),
            atom('noproc'),
            'monitor',
          );
        this.links.set(to.key, [...(this.links.get(to.key) ?? []), from]);
        return;
      }
      case OP.UNLINK_ID: {
        const from = pidAt(c, 2);
        const to = pidAt(c, 3);
        this.unlink(to, from);
        return this.sendControl(
          peer,
          tuple(OP.UNLINK_ID_ACK, c[1]!, to, from),
          undefined,
          'monitor',
        );
      }
      case OP.UNLINK:
        return this.unlink(pidAt(c, 2), pidAt(c, 1));
      case OP.EXIT:
      case OP.EXIT2:
        return this.exitSignal(pidAt(c, 1), pidAt(c, 2), c[3]!);
      case OP.EXIT_TT:
      case OP.EXIT2_TT:
        return this.exitSignal(pidAt(c, 1), pidAt(c, 2), c[4]!);
      case OP.PAYLOAD_EXIT:
      case OP.PAYLOAD_EXIT_TT:
      case OP.PAYLOAD_EXIT2:
      case OP.PAYLOAD_EXIT2_TT:
        return this.exitSignal(pidAt(c, 1), pidAt(c, 2), msg.payload!);
      case OP.MONITOR_P:
        return this.monitorRequest(peer, pidAt(c, 1), c[2]!, refAt(c, 3));
      case OP.DEMONITOR_P: {
        const ref = refAt(c, 3);
        for (const [key, ms] of this.monitors)
          this.monitors.set(
            key,
            ms.filter((m) => m.ref.key !== ref.key),
          );
        return;
      }
      case OP.MONITOR_P_EXIT:
        return this.down_(c[1]!, pidAt(c, 2), refAt(c, 3), c[4]!, peer);
      case OP.PAYLOAD_MONITOR_P_EXIT:
        return this.down_(c[1]!, pidAt(c, 2), refAt(c, 3), msg.payload!, peer);
      case OP.SPAWN_REQUEST:
      case OP.SPAWN_REQUEST_TT:
        return this.onSpawnRequest(peer, msg);
      case OP.SPAWN_REPLY:
      case OP.SPAWN_REPLY_TT: {
        // {31, ReqId, To, Flags, Result}: delivered as erlang:spawn_request/5 would
        const result = c[4]!;
        const ok = result instanceof Pid;
        return this.deliverTo(
          pidAt(c, 2),
          tuple(atom('spawn_reply'), refAt(c, 1), atom(ok ? 'ok' : 'error'), result),
          undefined,
        );
      }
      default:
        // GROUP_LEADER, NODE_LINK, UNLINK_ID_ACK, ALIAS_SEND (we create no aliases): nothing to do
        return;
    }
  }

  private deliverTo(to: Pid, msg: Term, from: Pid | undefined): void {
    this.procs.get(to.key)?.deliver(msg, from);
  }

  private unlink(local: Pid, remote: Pid): void {
    const list = this.links.get(local.key);
    if (list !== undefined)
      this.links.set(
        local.key,
        list.filter((p) => p.key !== remote.key),
      );
  }

  /** An exit signal to one of ours: the link is gone; the mailbox sees it as a trapped exit. */
  private exitSignal(from: Pid, to: Pid, reason: Term): void {
    this.unlink(to, from);
    this.procs.get(to.key)?.deliver(tuple(atom('EXIT'), from, reason));
  }

  private monitorRequest(peer: string, watcher: Pid, target: Term, ref: Ref): void {
    const proc =
      target instanceof Pid
        ? this.procs.get(target.key)
        : target instanceof Atom
          ? this.names.get(target.name)
          : undefined;
    if (proc === undefined)
      return this.sendControl(
        peer,
        tuple(OP.PAYLOAD_MONITOR_P_EXIT, target, watcher, ref),
        atom('noproc'),
        'monitor',
      );
    const list = this.monitors.get(proc.pid.key) ?? [];
    list.push({ ref, watcher, target: target instanceof Atom ? target : proc.pid });
    this.monitors.set(proc.pid.key, list);
  }

  /** A monitor of ours fired: `{'DOWN', Ref, process, Who, Reason}`. */
  private down_(who: Term, to: Pid, ref: Ref, reason: Term, peer: string): void {
    const object = who instanceof Atom ? tuple(who, atom(peer)) : who;
    this.deliverTo(to, tuple(atom('DOWN'), ref, atom('process'), object, reason), undefined);
  }
}

function pidAt(c: readonly Term[], i: number): Pid {
  const p = c[i];
  if (!(p instanceof Pid)) throw new MalformedTermError(`control element ${i} is not a pid`);
  return p;
}

function refAt(c: readonly Term[], i: number): Ref {
  const r = c[i];
  if (!(r instanceof Ref)) throw new MalformedTermError(`control element ${i} is not a reference`);
  return r;
}
