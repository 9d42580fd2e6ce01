import type { NodeName } from './api.ts';
import type { Connection } from './connection.ts';
import type * as hs from './handshake.ts';
import { keepOutgoingOnSimultaneous } from './handshake.ts';

/** What admission reads from the node: its name, its sockets and its links. */
export interface AdmissionView {
  readonly self: NodeName;
  readonly closing: boolean;
  readonly conns: ReadonlySet<Connection>;
  readonly links: ReadonlyMap<NodeName, Connection>;
}

/**
 * Acceptor side: may this peer connect? null = yes. Called on HELLO and once more after the
 * cookie proof (another connection to the same peer may have come up meanwhile). Between two
 * connections to one peer still in handshake, the node with the greater name keeps its outgoing
 * one (`keepOutgoingOnSimultaneous`), so both ends pick the same socket.
 */
export function admitHello(
  v: AdmissionView,
  conn: Connection,
  peer: NodeName,
): hs.RejectReason | null {
  if (v.closing) return 'shutdown';
  if (peer === v.self) return 'self';
  const linked = v.links.get(peer);
  if (linked !== undefined && linked !== conn) return 'duplicate';
  for (const other of v.conns) {
    if (other === conn || other.peer !== peer || other.state !== 'handshake') continue;
    if (!other.initiator) return 'duplicate';
    if (keepOutgoingOnSimultaneous(v.self, peer)) return 'simultaneous';
  }
  return null;
}

/**
 * Initiator side, once the acceptor has named itself: 'already' = stop quietly and let the other
 * connection win. That is the case when a link to the peer is up, when another outgoing
 * connection to it is in handshake, and — for connects made by address only, whose peer was
 * unknown until now — when the peer is also connecting to us and the rule gives its connection
 * the win (the same rule as for named simultaneous connects, applied from this side).
 */
export function admitChallenge(
  v: AdmissionView,
  conn: Connection,
  peer: NodeName,
): hs.RejectReason | 'already' | null {
  if (v.closing) return 'shutdown';
  if (peer === v.self) return 'self';
  if (v.links.has(peer)) return 'already';
  for (const other of v.conns) {
    if (other === conn || other.peer !== peer || other.state !== 'handshake') continue;
    if (other.initiator) return 'already';
    if (!keepOutgoingOnSimultaneous(v.self, peer)) return 'already';
  }
  return null;
}
