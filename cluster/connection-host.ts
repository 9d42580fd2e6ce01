import type { Clock, LatencyFault, Logger, NodeDownReason, NodeName } from './api.ts';
import type { Connection } from './connection.ts';
import type * as hs from './handshake.ts';
import type { BodyReader } from './wire/reader.ts';

/** The settings a connection runs with (one object per node). */
export interface ConnectionConfig {
  readonly name: NodeName;
  readonly hidden: boolean;
  /** `host:port` we listen on; set once the listener is bound */
  addr: string;
  readonly cookie: string;
  /** whether links run over TLS (told to peers in the handshake, which must agree) */
  readonly tls: boolean;
  /** random per node start, like Erlang's creation */
  readonly boot: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ticktimeMs: number;
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly fragmentBytes: number;
  readonly handshakeTimeoutMs: number;
  /** bytes a peer may send before the handshake completes (frames included) */
  readonly maxPreauthBytes: number;
  /** incoming connections in handshake at once, in all and from one address */
  readonly maxPendingHandshakes: number;
  readonly maxPendingHandshakesPerAddress: number;
}

/** What a connection asks of its node. */
export interface ConnectionHost {
  readonly config: ConnectionConfig;
  /** checks on a name the peer claims, before any proof (see HandshakePort.admitClaimed) */
  admitClaimed(
    conn: Connection,
    peer: NodeName,
    dialedByName: boolean,
  ): hs.RejectReason | 'already' | null;
  /** the peer proved the cookie: may it link? null = yes */
  admitProven(conn: Connection, peer: NodeName): hs.RejectReason | null;
  /** the node's outstanding handshake challenges, on all its connections */
  readonly challenges: Set<string>;
  handshakeDone(conn: Connection): void;
  handshakeFailed(conn: Connection, reason: string, rejectedWith?: hs.RejectReason): void;
  /**
   * A post-handshake frame: `r` reads the body; `bytes` is its wire size, or 0 for a message
   * reassembled from fragments (already reported fragment by fragment).
   */
  frame(conn: Connection, kind: number, r: BodyReader, bytes: number): void;
  down(conn: Connection, reason: NodeDownReason): void;
  isBlackholed(peer: NodeName): boolean;
  latencyOf(peer: NodeName): LatencyFault | undefined;
  count(stat: string, n?: number): void;
  /** a lone tick was read (for instrumentation; the fast path of `frame`) */
  tickHeard(conn: Connection): void;
  /** a control frame was queued (for instrumentation) */
  controlSent(conn: Connection, kind: number, bytes: number): void;
  /** one fragment of a message on `channel` crossed the link (for instrumentation) */
  fragment(conn: Connection, channel: string, direction: 'in' | 'out', bytes: number): void;
}
