/** A TypeScript "process" on an Erlang node: a pid, an optional registered name, a message queue. */
import { TimeoutError, AbortedError } from '../errors.ts';
import type { Clock } from '../api.ts';
import { atom, type Pid, type Term } from './terms.ts';

/** Where a message goes: a pid, or a registered name on a node (`{Name, Node} ! Msg`). */
export type SendTarget = Pid | { readonly name: string; readonly node: string };

interface Waiter {
  readonly match: (t: Term) => boolean;
  readonly resolve: (t: Term) => void;
  readonly reject: (e: Error) => void;
  cancel: () => void;
}

export interface ReceiveOptions {
  /** default: wait forever */
  readonly timeoutMs?: number;
  /** selective receive: the first queued message `match` accepts (default: the first message) */
  readonly match?: (t: Term) => boolean;
  readonly signal?: AbortSignal;
}

export class Mailbox {
  private readonly queue: Term[] = [];
  private readonly waiters: Waiter[] = [];
  closed = false;

  constructor(
    readonly pid: Pid,
    readonly name: string | undefined,
    private readonly clock: Clock,
    private readonly sender: (to: SendTarget, msg: Term, from: Pid) => void,
    private readonly onClose: (box: Mailbox, reason: Term) => void,
  ) {}

  /** Called by the node for every message addressed to this mailbox. */
  deliver(msg: Term): void {
    if (this.closed) return;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.match(msg)) {
        this.waiters.splice(i, 1);
        w.cancel();
        w.resolve(msg);
        return;
      }
    }
    this.queue.push(msg);
  }

  /** Messages waiting, oldest first. */
  get size(): number {
    return this.queue.length;
  }

  send(to: SendTarget, msg: Term): void {
    this.sender(to, msg, this.pid);
  }

  /** The next message (`match` chooses which); rejects with TimeoutError after `timeoutMs`. */
  receive(options: ReceiveOptions = {}): Promise<Term> {
    const match = options.match ?? (() => true);
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    if (this.closed) return Promise.reject(new AbortedError('mailbox closed'));
    return new Promise((resolve, reject) => {
      const w: Waiter = { match, resolve, reject, cancel: () => {} };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : this.clock.setTimeout(() => {
              this.drop(w);
              reject(new TimeoutError(`no message in ${options.timeoutMs} ms`));
            }, options.timeoutMs);
      const onAbort = () => {
        this.drop(w);
        w.cancel();
        reject(new AbortedError('receive aborted'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      w.cancel = () => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.waiters.push(w);
    });
  }

  /** Ends the process: links and monitors on other nodes hear `reason` (default `normal`). */
  close(reason?: Term): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.cancel();
      w.reject(new AbortedError('mailbox closed'));
    }
    this.onClose(this, reason ?? NORMAL);
  }

  private drop(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

const NORMAL = atom('normal');
