import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

/**
 * A node reads the sockets it dials into one reused buffer (transport.ts, `readFrom`). Byte
 * payloads handed to handlers must not be views of it, or later reads would overwrite messages
 * a handler kept. Accepted sockets get a buffer per read, and must keep working as they did.
 */
describe('reads — byte payloads outlive the read that brought them', () => {
  it.each([
    ['dialing', 2_000, 700],
    ['accepting', 500, 300],
  ])(
    'reads — bytes kept by a handler on the %s side stay intact after many more reads',
    async (receiver, total, size) => {
      nodes = await startNodes(2);
      const [dialer, acceptor] = nodes as [ClusterNode, ClusterNode];
      const [from, to] = receiver === 'dialing' ? [acceptor, dialer] : [dialer, acceptor];
      const kept: Uint8Array[] = [];
      to.register('keep', (m) => kept.push(m as Uint8Array));
      expect(await dialer.connect(targetOf(acceptor))).toBe(true);
      for (let i = 0; i < total; i++) {
        // several messages per read, some split across reads
        from.send({ name: 'keep', node: to.name }, new Uint8Array(size).fill(i % 251));
        // separate turns, so the bytes arrive over many reads of the same buffer
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      await until(() => kept.length === total, 10_000, 'all messages');
      const wrong = kept.findIndex((m, i) => m.length !== size || m.some((b) => b !== i % 251));
      expect(wrong).toBe(-1);
    },
  );
});
