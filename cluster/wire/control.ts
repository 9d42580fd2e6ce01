/** Body of small control frames: a u32 id, optionally followed by a short (u8-length) string. */
export function controlBody(id: number, text?: string): Buffer {
  const t = text === undefined ? null : Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(4 + (t === null ? 0 : 1 + t.length));
  out.writeUInt32BE(id >>> 0, 0);
  if (t !== null) {
    out[4] = t.length;
    out.set(t, 5);
  }
  return out;
}
