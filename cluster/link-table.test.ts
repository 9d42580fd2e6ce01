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

/**
 * `self` learns of two proven sockets to `b@h`, its own dial (`outgoing`) and the peer's
 * (`incoming`), in the order `first` names.
 */
function race(self: string, first: 'incoming' | 'outgoing') {
  const clock = new FakeClock();
  const { t, events } = table(self, clock);
  const sockets = { incoming: proven('b@h', false), outgoing: proven('b@h', true) };
  const second = first === 'incoming' ? 'outgoing' : 'incoming';
  t.handshakeDone(sockets[first]);
  t.handshakeDone(sockets[second]);
  return { clock, t, events, ...sockets };
}

describe('link-table — two proven sockets to one peer at once', () => {
  it('link-table — the greater name swaps to its own dial quietly and closes the other socket', () => {
    const { t, events, incoming, outgoing } = race('c@h', 'incoming');
    expect(t.links.get('b@h')).toBe(outgoing);
    expect(incoming.destroyed).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['nodeup']);
  });

  // Closing the socket that loses at once would down the peer's link before the peer has
  // swapped: when the smaller name keeps the peer's dial, the peer (greater name) is up on it and
  // waits for our ACK on its own; so the loser stays open until the handshake timeout, unless the
  // peer closes it first.
  it.each([
    {
      name: 'the smaller name keeps the peer’s dial and leaves its own socket for the peer to close',
      self: 'a@h',
      first: 'incoming',
      kept: 'incoming',
    },
    {
      name: 'the smaller name swaps to the peer’s dial and leaves its own socket for the peer to close',
      self: 'a@h',
      first: 'outgoing',
      kept: 'incoming',
    },
    {
      name: 'the greater name keeps its own dial and leaves the peer’s socket until the timeout',
      self: 'c@h',
      first: 'outgoing',
      kept: 'outgoing',
    },
  ] as const)('link-table — $name', ({ self, first, kept }) => {
    const r = race(self, first);
    const loser = r[kept === 'incoming' ? 'outgoing' : 'incoming'];
    expect(r.t.links.get('b@h')).toBe(r[kept]);
    expect(loser.destroyed).toBe(false);
    r.clock.advance(100);
    expect(loser.destroyed).toBe(true);
    r.t.down(loser, 'connection_closed');
    expect(r.events.map((e) => e.event)).toEqual(['nodeup']);
    expect(r.t.links.get('b@h')).toBe(r[kept]);
  });
});
