import type { NodeName } from './api.ts';
import { ProtocolError } from './errors.ts';
import { isValidNodeName } from './handshake.ts';

/** A peer as advertised in a MESH_PEERS frame, so the receiver can connect to it (full mesh). */
export interface MeshPeer {
  readonly name: NodeName;
  /** `host:port` it listens on */
  readonly addr: string;
}

export function parseMeshPeers(v: unknown): MeshPeer[] {
  if (!Array.isArray(v) || v.length > 10_000) throw new ProtocolError('MESH_PEERS is not a list');
  return v.map((p: unknown) => {
    const o = p as { name?: unknown; addr?: unknown } | null;
    if (
      typeof o?.name !== 'string' ||
      typeof o.addr !== 'string' ||
      !isValidNodeName(o.name) ||
      !/^[^\s@]+:\d{1,5}$/.test(o.addr)
    )
      throw new ProtocolError('bad MESH_PEERS entry');
    return { name: o.name, addr: o.addr };
  });
}
