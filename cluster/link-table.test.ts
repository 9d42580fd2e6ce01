import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from './api.ts';
import { silentLogger } from './clock.ts';
import type { Connection, ConnectionConfig } from './connection.ts';
import { FakeClock } from './fake-clock.ts';
import { Hooks } from './instrumentation.ts';
import { LinkTable } from './link-table.ts';

/** A connection that has completed its handshake with `peer`, as far as the table can tell. */
function proven(peer: string, initiator: boolean): Connection & { destroyed: boolean } {
  const c = {
    peer,
    initiator,
    peerHidden: false,
    peerAddr: '127.0.0.1:1',
    state: 'up',
    destroyed: false,
    sendControl: () => 0,
    destroy() {
      c.destroyed = true;
      c.state = 'closed';
    },
  };
  return c as unknown as Connection & { destroyed: boolean };
}

function table(name: string, clock: FakeClock): { t: LinkTable; events: MembershipEvent[] } {
  const config = {
    clock,
    logger: silentLogger,
    handshakeTimeoutMs: 100,
  } as unknown as ConnectionConfig;
  const t = new LinkTable({
    name,
    hidden: false,
    connectAll: true,
    config,
    tls: undefined,
    instrumentation: new Hooks(silentLogger),
    isClosing: () => false,
    count: () => {},
    newConnection: () => {
      throw new Error('no dials here');
    },
    peerDown: () => {},
  });
  const events: MembershipEvent[] = [];
  t.monitorNodes((e) => events.push(e));
  return { t, events };
}

describe('link-table — two proven sockets to one peer at once', () => {
  it('link-table — the greater name swaps to its own dial quietly and closes the other socket', () => {
    const clock = new FakeClock();
    const { t, events } = table('c@h', clock);
    const incoming = proven('b@h', false);
    const outgoing = proven('b@h', true);
    t.handshakeDone(incoming);
    t.handshakeDone(outgoing);
    expect(t.links.get('b@h')).toBe(outgoing);
    expect(incoming.destroyed).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['nodeup']);
  });

  it('link-table — the smaller name keeps the peer’s dial and leaves its own socket for the peer to close', () => {
    const clock = new FakeClock();
    const { t, events } = table('a@h', clock);
    const incoming = proven('b@h', false);
    const outgoing = proven('b@h', true);
    t.handshakeDone(incoming);
    t.handshakeDone(outgoing);
    expect(t.links.get('b@h')).toBe(incoming);
    // closing it now would down the peer's link before the peer has swapped
    expect(outgoing.destroyed).toBe(false);
    clock.advance(100);
    expect(outgoing.destroyed).toBe(true); // unless the peer closed it first
    t.down(outgoing, 'connection_closed');
    expect(events.map((e) => e.event)).toEqual(['nodeup']);
    expect(t.links.get('b@h')).toBe(incoming);
  });

  it('link-table — the smaller name swaps to the peer’s dial and leaves its own socket for the peer to close', () => {
    const clock = new FakeClock();
    const { t, events } = table('a@h', clock);
    const incoming = proven('b@h', false);
    const outgoing = proven('b@h', true);
    t.handshakeDone(outgoing);
    t.handshakeDone(incoming);
    expect(t.links.get('b@h')).toBe(incoming);
    // the peer (greater name) is up on our dial and waits for our ACK on its own: closing our
    // dial now would be a nodedown and a nodeup there
    expect(outgoing.destroyed).toBe(false);
    clock.advance(100);
    expect(outgoing.destroyed).toBe(true);
    t.down(outgoing, 'connection_closed');
    expect(events.map((e) => e.event)).toEqual(['nodeup']);
    expect(t.links.get('b@h')).toBe(incoming);
  });

  it('link-table — the greater name keeps its own dial and leaves the peer’s socket until the timeout', () => {
    const clock = new FakeClock();
    const { t, events } = table('c@h', clock);
    const incoming = proven('b@h', false);
    const outgoing = proven('b@h', true);
    t.handshakeDone(outgoing);
    t.handshakeDone(incoming);
    expect(t.links.get('b@h')).toBe(outgoing);
    expect(incoming.destroyed).toBe(false);
    clock.advance(100);
    expect(incoming.destroyed).toBe(true);
    t.down(incoming, 'connection_closed');
    expect(events.map((e) => e.event)).toEqual(['nodeup']);
  });
});
