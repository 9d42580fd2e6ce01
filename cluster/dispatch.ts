import type { Channel, NodeName, Payload } from './api.ts';
import type { Connection } from './connection.ts';
import { ProtocolError } from './errors.ts';
import type { Hooks } from './instrumentation.ts';
import { parseMeshPeers, type MeshPeer } from './mesh.ts';
import type { Monitors } from './monitors.ts';
import type { Rpc } from './rpc.ts';
import type { Stats } from './stats.ts';
import { controlBody } from './wire/control.ts';
import { Kind, channelOf } from './wire/kinds.ts';
import type { BodyReader } from './wire/reader.ts';

/** The services a post-handshake frame can reach. */
export interface DispatchTarget {
  readonly counters: Stats;
  readonly instrumentation: Hooks;
  readonly rpc: Rpc;
  readonly monitors: Monitors;
  deliver(name: string, message: Payload, from: NodeName): void;
  pong(id: number): void;
  /** the peer asked to disconnect */
  disconnected(conn: Connection): void;
  meshPeers(conn: Connection, peers: MeshPeer[]): void;
}

/**
 * What one post-handshake frame means. SEND is first and cheapest (the hot path); anything the
 * body does not decode to throws ProtocolError, which closes only that connection. `bytes` = 0
 * for a message reassembled from fragments, which were reported one by one as they crossed.
 */
export function dispatchFrame(
  t: DispatchTarget,
  conn: Connection,
  kind: number,
  r: BodyReader,
  bytes: number,
): void {
  const peer = conn.peer!;
  const hooks = t.instrumentation;
  if (kind === Kind.SEND) {
    const name = r.shortStrCached(conn.nameCache);
    const channel = r.shortStrCached(conn.channelCache);
    const payload = r.payload();
    t.counters.received++;
    if (hooks.hasFrame && bytes > 0)
      hooks.emitFrame(peer, (channel || 'send') as Channel, 'in', bytes);
    t.deliver(name, payload, peer);
    return;
  }
  if (hooks.hasFrame && bytes > 0) {
    const channel = channelOf(kind);
    if (channel !== undefined) hooks.emitFrame(peer, channel, 'in', bytes);
  }
  switch (kind) {
    case Kind.TICK:
      return;
    case Kind.RPC_CALL: {
      const id = r.u32();
      const handler = r.shortStrCached(conn.handlerCache);
      t.rpc.serve(peer, id, handler, r.payload(), true);
      return;
    }
    case Kind.RPC_CAST: {
      r.u32();
      const handler = r.shortStr();
      t.rpc.serve(peer, 0, handler, r.payload(), false);
      return;
    }
    case Kind.RPC_REPLY: {
      const id = r.u32();
      r.skipShortStr();
      t.rpc.replied(id, r.payload());
      return;
    }
    case Kind.RPC_ERROR: {
      const id = r.u32();
      r.skipShortStr();
      t.rpc.failed(id, r.payload());
      return;
    }
    case Kind.RPC_CANCEL:
      t.rpc.cancelled(peer, r.u32());
      return;
    case Kind.MONITOR: {
      const ref = r.u32();
      t.monitors.remoteMonitor(peer, ref, r.shortStr());
      return;
    }
    case Kind.DEMONITOR:
      t.monitors.remoteDemonitor(peer, r.u32());
      return;
    case Kind.MONITOR_DOWN: {
      const ref = r.u32();
      const reason = r.shortStr();
      if (reason !== 'noproc' && reason !== 'noconnection')
        throw new ProtocolError(`bad DOWN reason ${reason}`);
      t.monitors.down(ref, reason);
      return;
    }
    case Kind.PING:
      conn.sendControl(Kind.PONG, controlBody(r.u32()));
      return;
    case Kind.PONG:
      t.pong(r.u32());
      return;
    case Kind.DISCONNECT:
      t.disconnected(conn);
      return;
    case Kind.MESH_PEERS:
      t.meshPeers(conn, parseMeshPeers(r.json()));
      return;
    default:
      throw new ProtocolError(`unknown frame kind ${kind}`);
  }
}
