/**
 * The EPMD protocol (erl_dist_protocol.xml, "EPMD Protocol"), as pure encoders and parsers.
 * Requests are `Length:16, Request`; replies are unframed and each request uses its own
 * connection, except ALIVE2 whose connection is the registration and lives as long as the node.
 */
export const EPMD = {
  ALIVE2_REQ: 120,
  ALIVE2_RESP: 121,
  ALIVE2_X_RESP: 118,
  PORT_PLEASE2_REQ: 122,
  PORT2_RESP: 119,
  NAMES_REQ: 110,
  DUMP_REQ: 100,
  KILL_REQ: 107,
  STOP_REQ: 115,
} as const;

/** A node's entry: what ALIVE2_REQ registers and PORT2_RESP returns. */
export interface NodeEntry {
  readonly name: string;
  readonly port: number;
  /** 77 normal node, 72 hidden (BEAM always registers 77) */
  readonly nodeType: number;
  /** 0 = TCP/IPv4 */
  readonly protocol: number;
  readonly highestVersion: number;
  readonly lowestVersion: number;
  readonly extra: Uint8Array;
}

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

function entryBody(e: NodeEntry): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const b = Buffer.alloc(10 + name.length + 2 + e.extra.length);
  let p = 0;
  p = b.writeUInt16BE(e.port, p);
  p = b.writeUInt8(e.nodeType, p);
  p = b.writeUInt8(e.protocol, p);
  p = b.writeUInt16BE(e.highestVersion, p);
  p = b.writeUInt16BE(e.lowestVersion, p);
  p = b.writeUInt16BE(name.length, p);
  p += name.copy(b, p);
  p = b.writeUInt16BE(e.extra.length, p);
  b.set(e.extra, p);
  return b;
}

export function alive2Request(e: NodeEntry): Buffer {
  return frame(Buffer.concat([Buffer.of(EPMD.ALIVE2_REQ), entryBody(e)]));
}
export function portPlease2Request(name: string): Buffer {
  return frame(Buffer.concat([Buffer.of(EPMD.PORT_PLEASE2_REQ), Buffer.from(name, 'utf8')]));
}
export function namesRequest(): Buffer {
  return frame(Buffer.of(EPMD.NAMES_REQ));
}

/** ALIVE2_X_RESP (or the old ALIVE2_RESP); `undefined` while incomplete. */
export function parseAlive2Response(
  b: Uint8Array,
): { result: number; creation: number } | undefined | 'garbage' {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v.length < 1) return undefined;
  if (v[0] === EPMD.ALIVE2_X_RESP) {
    if (v.length < 6) return undefined;
    return { result: v[1]!, creation: v.readUInt32BE(2) };
  }
  if (v[0] === EPMD.ALIVE2_RESP) {
    if (v.length < 4) return undefined;
    return { result: v[1]!, creation: v.readUInt16BE(2) };
  }
  return 'garbage';
}

/** PORT2_RESP, read once the connection closed: the entry, or `null` for "no such node". */
export function parsePort2Response(b: Uint8Array): NodeEntry | null | 'garbage' {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v.length < 2 || v[0] !== EPMD.PORT2_RESP) return 'garbage';
  if (v[1] !== 0) return null;
  if (v.length < 12) return 'garbage';
  const nameLen = v.readUInt16BE(10);
  if (v.length < 12 + nameLen + 2) return 'garbage';
  const extraLen = v.readUInt16BE(12 + nameLen);
  return {
    port: v.readUInt16BE(2),
    nodeType: v[4]!,
    protocol: v[5]!,
    highestVersion: v.readUInt16BE(6),
    lowestVersion: v.readUInt16BE(8),
    name: v.subarray(12, 12 + nameLen).toString('utf8'),
    extra: v.subarray(14 + nameLen, 14 + nameLen + extraLen),
  };
}

/** NAMES_RESP, read once the connection closed. */
export function parseNamesResponse(
  b: Uint8Array,
): { epmdPort: number; nodes: { name: string; port: number }[] } | 'garbage' {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v.length < 4) return 'garbage';
  const nodes: { name: string; port: number }[] = [];
  for (const line of v.subarray(4).toString('utf8').split('\n')) {
    const m = /^name (\S+) at port (\d+)$/.exec(line);
    if (m !== null) nodes.push({ name: m[1]!, port: Number(m[2]) });
  }
  return { epmdPort: v.readUInt32BE(0), nodes };
}

// ---- the server side ----

export type EpmdRequest =
  | { readonly kind: 'alive2'; readonly entry: NodeEntry }
  | { readonly kind: 'port_please2'; readonly name: string }
  | { readonly kind: 'names' }
  | { readonly kind: 'dump' }
  | { readonly kind: 'kill' }
  | { readonly kind: 'stop'; readonly name: string }
  | { readonly kind: 'unknown'; readonly code: number };

/** One framed request from `b`; `undefined` while incomplete. */
export function parseRequest(b: Buffer): { request: EpmdRequest; size: number } | undefined {
  if (b.length < 2) return undefined;
  const len = b.readUInt16BE(0);
  if (b.length < 2 + len) return undefined;
  const body = b.subarray(2, 2 + len);
  const size = 2 + len;
  const code = body[0];
  switch (code) {
    case EPMD.ALIVE2_REQ: {
      if (body.length < 13) return { request: { kind: 'unknown', code }, size };
      const nameLen = body.readUInt16BE(9);
      if (body.length < 11 + nameLen + 2) return { request: { kind: 'unknown', code }, size };
      const extraLen = body.readUInt16BE(11 + nameLen);
      return {
        request: {
          kind: 'alive2',
          entry: {
            port: body.readUInt16BE(1),
            nodeType: body[3]!,
            protocol: body[4]!,
            highestVersion: body.readUInt16BE(5),
            lowestVersion: body.readUInt16BE(7),
            name: body.subarray(11, 11 + nameLen).toString('utf8'),
            extra: Buffer.from(body.subarray(13 + nameLen, 13 + nameLen + extraLen)),
          },
        },
        size,
      };
    }
    case EPMD.PORT_PLEASE2_REQ:
      return { request: { kind: 'port_please2', name: body.subarray(1).toString('utf8') }, size };
    case EPMD.NAMES_REQ:
      return { request: { kind: 'names' }, size };
    case EPMD.DUMP_REQ:
      return { request: { kind: 'dump' }, size };
    case EPMD.KILL_REQ:
      return { request: { kind: 'kill' }, size };
    case EPMD.STOP_REQ:
      return { request: { kind: 'stop', name: body.subarray(1).toString('utf8') }, size };
    default:
      return { request: { kind: 'unknown', code: code ?? -1 }, size };
  }
}

export function alive2XResponse(result: number, creation: number): Buffer {
  const b = Buffer.alloc(6);
  b[0] = EPMD.ALIVE2_X_RESP;
  b[1] = result;
  b.writeUInt32BE(creation >>> 0, 2);
  return b;
}
export function port2Response(e: NodeEntry | undefined): Buffer {
  if (e === undefined) return Buffer.of(EPMD.PORT2_RESP, 1);
  return Buffer.concat([Buffer.of(EPMD.PORT2_RESP, 0), entryBody(e)]);
}
export function namesResponse(epmdPort: number, nodes: readonly NodeEntry[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(epmdPort, 0);
  const lines = nodes.map((n) => `name ${n.name} at port ${n.port}\n`).join('');
  return Buffer.concat([head, Buffer.from(lines, 'utf8')]);
}
