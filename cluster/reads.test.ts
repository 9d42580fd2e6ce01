import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { closeAll, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

/**
 * A node reads every plain-TCP socket, dialed or accepted, into one buffer shared by the whole
 * process (transport.ts, `readFrom`). Byte payloads handed to handlers must not be views of it,
 * or later reads — on that link or any other — would overwrite messages a handler kept.
 */
describe('reads — byte payloads outlive the read that brought them', () => {
  it.each([
    ['dialing', 2_000, 700],
    ['accepting', 2_000, 700],
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

  it('reads — bytes kept from one link stay intact while another link reads into the same buffer', async () => {
    nodes = await startNodes(3);
    const [to, dialed, accepted] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    // one link the receiver dialed, one it accepted: both read into the shared buffer
    expect(await to.connect(targetOf(dialed))).toBe(true);
    expect(await accepted.connect(targetOf(to))).toBe(true);
    const kept = new Map<string, Uint8Array[]>([
      [dialed.name, []],
      [accepted.name, []],
    ]);
    to.register('keep', (m, from) => kept.get(from)!.push(m as Uint8Array));
    const total = 1_000;
    for (let i = 0; i < total; i++) {
      dialed.send({ name: 'keep', node: to.name }, new Uint8Array(600).fill(i % 251));
      accepted.send({ name: 'keep', node: to.name }, new Uint8Array(600).fill((i + 100) % 251));
      if (i % 25 === 24) await new Promise((r) => setImmediate(r));
    }
    await until(
      () => [...kept.values()].every((k) => k.length === total),
      10_000,
      'all messages from both links',
    );
    const wrong = (msgs: Uint8Array[], shift: number) =>
      msgs.findIndex((m, i) => m.some((b) => b !== (i + shift) % 251));
    expect(wrong(kept.get(dialed.name)!, 0)).toBe(-1);
    expect(wrong(kept.get(accepted.name)!, 100)).toBe(-1);
  });
});
