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
  /** peers our own dials by name are opening a socket to (no connection in `conns` yet) */
  readonly connecting: ReadonlySet<NodeName>;
}

/**
 * Checks on a name a peer claims, before it has proved anything. Only facts of this node count
 * — links that are up and its own dials by name — never other claimants, so a stranger claiming
 * a member's name decides nothing about the member. An initiator that dialed this very name and
 * has another dial of its own to it under way stops quietly ('already'). An acceptor whose peer
 * dialed it by name refuses at once what the proof would only confirm: a name it is linked to
 * (`duplicate`) or one its own dial wins against (`simultaneous`, also while that dial is still
 * opening its socket); such a peer only waits for
 * the link to the name it dialed, so an unproven refusal cannot fool it (see `handshakeFailed`).
 */
export function admitClaimed(
  v: AdmissionView,
  conn: Connection,
  peer: NodeName,
  dialedByName: boolean,
): hs.RejectReason | 'already' | null {
  if (v.closing) return 'shutdown';
  if (peer === v.self) return 'self';
  if (!conn.initiator) return dialedByName ? settledByOwnFacts(v, peer) : null;
  if (conn.expectedPeer !== peer) return null;
  for (const other of v.conns)
    if (
      other !== conn &&
      other.initiator &&
      other.state === 'handshake' &&
      other.expectedPeer === peer
    )
      return 'already';
  return null;
}

function settledByOwnFacts(v: AdmissionView, peer: NodeName): hs.RejectReason | null {
  if (v.links.has(peer)) return 'duplicate';
  if (!keepOutgoingOnSimultaneous(v.self, peer)) return null;
  if (v.connecting.has(peer)) return 'simultaneous';
  for (const other of v.conns)
    if (other.initiator && other.state === 'handshake' && other.expectedPeer === peer)
      return 'simultaneous';
  return null;
}

/**
 * Acceptor side, once the initiator has proved the cookie: may it link? null = yes. Only facts
 * count: a link that is up, and our own dial to the same peer (simultaneous connects), where the
 * node with the greater name keeps its outgoing connection (`keepOutgoingOnSimultaneous`), so
 * both ends pick the same socket. Other incoming handshakes claiming the name are unproven and
 * do not count: a squatter cannot keep a member out.
 */
export function admitProven(
  v: AdmissionView,
  conn: Connection,
  peer: NodeName,
): hs.RejectReason | null {
  if (v.closing) return 'shutdown';
  if (peer === v.self) return 'self';
  const linked = v.links.get(peer);
  if (linked !== undefined && linked !== conn) return 'duplicate';
  for (const other of v.conns) {
    if (other === conn || !other.initiator || other.state !== 'handshake') continue;
    if (other.peer !== peer) continue;
    if (keepOutgoingOnSimultaneous(v.self, peer)) return 'simultaneous';
  }
  return null;
}
