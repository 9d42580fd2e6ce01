import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { startNodes, targetOf, until } from './testing.ts';

let nodes: ClusterNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

/**
 * A node reads the sockets it dials into one reused buffer (transport.ts, `readFrom`). Byte
 * payloads handed to handlers must not be views of it, or later reads would overwrite messages
 * a handler kept.
 */
describe('reads — byte payloads outlive the read that brought them', () => {
  it('reads — bytes kept by a handler on the dialing side stay intact after many more reads', async () => {
    nodes = await startNodes(2);
    const [dialer, acceptor] = nodes as [ClusterNode, ClusterNode];
    const kept: Uint8Array[] = [];
    dialer.register('keep', (m) => kept.push(m as Uint8Array));
    expect(await dialer.connect(targetOf(acceptor))).toBe(true);
    const total = 2_000;
    const size = 700; // several messages per read, messages split across reads
    for (let i = 0; i < total; i++) {
      acceptor.send({ name: 'keep', node: dialer.name }, new Uint8Array(size).fill(i % 251));
      // separate turns, so the bytes arrive over many reads of the same buffer
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await until(() => kept.length === total, 10_000, 'all messages');
    const wrong = kept.findIndex((m, i) => m.length !== size || m.some((b) => b !== i % 251));
    expect(wrong).toBe(-1);
  });

  it('reads — the same holds on the accepting side', async () => {
    nodes = await startNodes(2);
    const [dialer, acceptor] = nodes as [ClusterNode, ClusterNode];
    const kept: Uint8Array[] = [];
    acceptor.register('keep', (m) => kept.push(m as Uint8Array));
    expect(await dialer.connect(targetOf(acceptor))).toBe(true);
    for (let i = 0; i < 500; i++) {
      dialer.send({ name: 'keep', node: acceptor.name }, new Uint8Array(300).fill(i % 251));
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await until(() => kept.length === 500, 10_000, 'all messages');
    expect(kept.findIndex((m, i) => m.some((b) => b !== i % 251))).toBe(-1);
  });
});
