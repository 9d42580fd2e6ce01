import { describe, expect, it } from 'vitest';
import type { CommandAck, ControlCommandInput } from '../../protocol/control.ts';
import type { ModelEvent } from '../../protocol/model.ts';
import { FakeClock } from '../../cluster/fake-clock.ts';
import type { AgentConnection } from '../ingest/ports.ts';
import { EventFeed, type EventOrigin } from '../model/event-feed.ts';
import { LiveModel } from '../model/live-model.ts';
import { hello, snapshot } from '../model/testing/fixtures.ts';
import { TrafficWindow } from '../model/traffic-window.ts';
import type { CommandResponse, JournalBatch } from './messages.ts';
import { PeerUnavailableError } from './errors.ts';
import { ServerPeers, type PeerBus } from './peers.ts';

/** In-memory buses: what one publishes, every other hears (as the adapter does, never itself). */
function buses(count: number) {
  const journal: ((raw: unknown) => void)[] = [];
  const command: ((raw: unknown, reply: (a: CommandResponse) => void) => void)[] = [];
  let cut = false;
  const make = (i: number): PeerBus => ({
    publish: (batch: JournalBatch) => {
      if (cut) return;
      // through JSON, as over NOTIFY
      const wire = JSON.parse(JSON.stringify(batch)) as unknown;
      journal.forEach((h, j) => j !== i && h(wire));
    },
    request: async (request) => {
      const answers: unknown[] = [];
      await Promise.all(
        command.map((h, j) =>
          j === i
            ? Promise.resolve()
            : new Promise<void>((r) => h(request, (a) => r(void answers.push(a)))),
        ),
      );
      return answers;
    },
    onJournal: (h) => void (journal[i] = h),
    onCommand: (h) => void (command[i] = h),
  });
  return { buses: Array.from({ length: count }, (_, i) => make(i)), cut: () => (cut = true) };
}

function server(id: string, bus: PeerBus, clock: FakeClock) {
  const model = new LiveModel({ now: () => clock.now() });
  const traffic = new TrafficWindow();
  const events = new EventFeed();
  const seen: { events: readonly ModelEvent[]; origin: EventOrigin }[] = [];
  events.subscribe((list, origin) => seen.push({ events: list, origin }));
  const peers = new ServerPeers({ id, bus, model, traffic, events, clock });
  const agents = new Map<string, AgentConnection>();
  peers.setLocal({ agent: (n) => agents.get(n), agents: () => [...agents.values()] });
  peers.start();
  return { peers, model, events, seen, agents };
}

const node = (s: { model: LiveModel }, name: string) =>
  s.model.read().nodes.find((n) => n.name === name);

describe('server peers', () => {
  it('server peers — what ingest applies on A shows on B, and events are shown but not sent back', () => {
    const clock = new FakeClock(1_000_000);
    const {
      buses: [busA, busB],
    } = buses(2);
    const A = server('A', busA!, clock);
    const B = server('B', busB!, clock);
    A.peers.model.agentConnected(hello('n1'), clock.now());
    A.peers.model.applySnapshot(snapshot('n1', 1, { view: { nodes: ['n2'], hidden: [] } }), 0);
    A.events.publish([
      {
        id: 0,
        at: 1,
        node: 'n1',
        source: 'server',
        event: { type: 'agent', at: 1, action: 'connected', bootId: 'boot-n1' },
      },
    ]);
    expect(node(B, 'n1')).toBeUndefined();
    clock.advance(100); // one flush interval
    expect(node(B, 'n1')).toMatchObject({
      status: 'up',
      bootId: 'boot-n1',
      view: { nodes: ['n2'] },
    });
    expect(B.seen.map((s) => s.origin)).toEqual(['peer']);
    // B's peer-origin event is not forwarded back to A
    clock.advance(100);
    expect(A.seen.map((s) => s.origin)).toEqual(['local']);
    // the agent's credential never leaves A
    expect(JSON.stringify(B.model.read())).not.toContain('agent-token');
  });

  it('server peers — a command for an agent held by A, issued on B, runs on A and returns its ack', async () => {
    const clock = new FakeClock(1_000_000);
    const {
      buses: [busA, busB],
    } = buses(2);
    const A = server('A', busA!, clock);
    const B = server('B', busB!, clock);
    const got: ControlCommandInput[] = [];
    const h = hello('n1');
    A.agents.set('n1', {
      node: 'n1',
      bootId: h.bootId,
      hidden: false,
      capabilities: h.capabilities,
      command: (command): Promise<CommandAck> => {
        got.push(command);
        return Promise.resolve({ id: command.id ?? '', ok: true, appliedAt: 1, expiresAt: 2 });
      },
    });
    A.peers.model.agentConnected(h, clock.now());
    clock.advance(100);
    const remote = B.peers.agent('n1');
    expect(remote?.capabilities).toContain('partition');
    expect(B.peers.agents().map((x) => x.node)).toEqual(['n1']);
    expect(B.peers.remoteAgentCount()).toBe(1);
    expect(A.peers.remoteAgentCount()).toBe(0);
    const ack = await remote!.command({ id: 'c1', type: 'heal' }, 5_000);
    expect(ack).toMatchObject({ id: 'c1', ok: true });
    expect(got).toEqual([{ id: 'c1', type: 'heal' }]);

    // the agent left A meanwhile: A says so, and B reports it as a failed delivery
    A.agents.delete('n1');
    await expect(remote!.command({ id: 'c2', type: 'heal' }, 5_000)).rejects.toThrow(
      PeerUnavailableError,
    );
  });

  it('server peers — a peer silent past the timeout takes its nodes down; one that says bye at once', () => {
    const clock = new FakeClock(1_000_000);
    const net = buses(3);
    const [busA, busB, busC] = net.buses;
    const A = server('A', busA!, clock);
    const B = server('B', busB!, clock);
    const C = server('C', busC!, clock);
    A.peers.model.agentConnected(hello('n1'), clock.now());
    C.peers.model.agentConnected(hello('n3'), clock.now());
    clock.advance(100);
    expect(node(B, 'n1')?.status).toBe('up');
    expect(node(B, 'n3')?.status).toBe('up');
    C.peers.close();
    clock.advance(100);
    expect(node(B, 'n3')?.status).toBe('down');
    expect(node(B, 'n1')?.status).toBe('up');
    net.cut(); // A goes silent (a SIGKILL, a lost database connection)
    clock.advance(9_000);
    expect(node(B, 'n1')?.status).not.toBe('down');
    clock.advance(4_000);
    expect(node(B, 'n1')?.status).toBe('down');
    expect(B.peers.peerCount()).toBe(0);
  });

  it('server peers — a late server learns the agents a peer already holds from its heartbeat', () => {
    const clock = new FakeClock(1_000_000);
    const {
      buses: [busA, busB],
    } = buses(2);
    const A = server('A', busA!, clock);
    A.peers.model.agentConnected(hello('n1'), clock.now());
    clock.advance(100); // B does not exist yet: this message is lost to it
    const B = server('B', busB!, clock);
    expect(node(B, 'n1')).toBeUndefined();
    clock.advance(2_000);
    expect(node(B, 'n1')?.status).toBe('up');
  });

  it('server peers — a malformed journal message is refused and changes nothing', () => {
    const clock = new FakeClock(1_000_000);
    const handlers: ((raw: unknown) => void)[] = [];
    const bus: PeerBus = {
      publish: () => {},
      request: () => Promise.resolve([]),
      onJournal: (h) => void handlers.push(h),
      onCommand: () => {},
    };
    const B = server('B', bus, clock);
    handlers[0]!({ server: 'X', seq: 1, entries: [{ k: 'connected', hello: { node: 'n1' } }] });
    handlers[0]!({ server: 'X', seq: 'one', entries: [] });
    expect(B.peers.rejected).toBe(2);
    expect(B.model.read().nodes).toEqual([]);
    expect(B.peers.peerCount()).toBe(0);
  });
});
