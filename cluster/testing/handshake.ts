/**
 * A fake node for unit tests of the handshake state machine (not part of the public API): it
 * records what a machine sends and answers admission from a small table.
 */
import type { NodeName } from '../api.ts';
import * as hs from '../handshake.ts';
import { HandshakeMachine, type HandshakePort, type Step } from '../handshake-machine.ts';

export interface SentFrame {
  readonly kind: number;
  readonly body: Buffer;
}

export interface FakeNode {
  readonly name: NodeName;
  readonly cookie: string;
  /** shared by every machine of this node, as the real node shares its set */
  readonly outstanding: Set<string>;
  /** names linked already (admitProven answers duplicate) */
  readonly linked: Set<NodeName>;
  /** names dialed by us that admitClaimed answers 'already' to */
  readonly dialing: Set<NodeName>;
  blackholed: Set<NodeName>;
  /** starts a machine; its frames go to `out` */
  machine(initiator: boolean, out: SentFrame[], expected?: NodeName): HandshakeMachine;
}

export function fakeNode(name: NodeName, cookie: string, tls = false): FakeNode {
  const node: FakeNode = {
    name,
    cookie,
    outstanding: new Set(),
    linked: new Set(),
    dialing: new Set(),
    blackholed: new Set(),
    machine(initiator, out, expected) {
      const port: HandshakePort = {
        self: { name, hidden: false, addr: `${name.split('@')[1]}:1`, tls, boot: 'b1', cookie },
        send: (kind, body) => out.push({ kind, body: Buffer.from(body) }),
        named: (peer) => !node.blackholed.has(peer),
        admitClaimed: (peer, byName) => {
          if (peer === name) return 'self';
          if (initiator) return node.dialing.has(peer) ? 'already' : null;
          return byName && node.linked.has(peer) ? 'duplicate' : null;
        },
        admitProven: (peer) => (node.linked.has(peer) ? 'duplicate' : null),
        newChallenge: hs.newChallenge,
        outstanding: node.outstanding,
      };
      const m = new HandshakeMachine(port, initiator, expected);
      m.start();
      return m;
    },
  };
  return node;
}

/**
 * Runs a handshake between two machines to its end, delivering each sent frame to the other
 * side, optionally through `edit` (a man in the middle). Returns each side's last step.
 */
export function runPair(
  initiator: FakeNode,
  acceptor: FakeNode,
  edit: (from: 'I' | 'A', f: SentFrame) => SentFrame = (_, f) => f,
  expected?: NodeName,
): { i: Step | Error; a: Step | Error } {
  const toA: SentFrame[] = [];
  const toI: SentFrame[] = [];
  const mi = initiator.machine(true, toA, expected);
  const ma = acceptor.machine(false, toI);
  let i: Step | Error = { t: 'wait' };
  let a: Step | Error = { t: 'wait' };
  const live = (s: Step | Error): boolean => !(s instanceof Error) && s.t === 'wait';
  for (let guard = 0; guard < 20 && (toA.length > 0 || toI.length > 0); guard++) {
    const fa = toA.shift();
    if (fa !== undefined && live(a)) a = feed(ma, edit('I', fa));
    const fi = toI.shift();
    if (fi !== undefined && live(i)) i = feed(mi, edit('A', fi));
  }
  return { i, a };
}

function feed(m: HandshakeMachine, f: SentFrame): Step | Error {
  try {
    return m.push(f.kind, f.body);
  } catch (err) {
    return err as Error;
  }
}
