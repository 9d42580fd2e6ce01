import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  AgentSocketData,
  AgentToServerEvents,
  ServerToAgentEvents,
} from '../protocol/agent.ts';
import {
  AGENT_MAX_HTTP_BUFFER_BYTES,
  AGENT_NAMESPACE,
  agentHelloSchema,
} from '../protocol/agent.ts';
import type { CommandAck, ControlCommandInput } from '../protocol/control.ts';
import { snapshotSchema } from '../protocol/telemetry.ts';
import type { Agent } from './agent.ts';
import { attachAgent } from './agent.ts';
import { FakeNode, fixedProcessStats } from './testing/index.ts';

const TOKEN = 'agent-token';

/** What a real server keeps in its store across restarts: seqs per boot id, and every arrival. */
interface Store {
  stored: Map<string, number[]>;
  arrivals: number[];
  invalid: number;
}

/** A minimal ingest honouring protocol/agent.ts: auth, welcome, validate, store, cumulative ack. */
async function startObservatory(store: Store, port = 0) {
  const http = createServer();
  const io = new Server<
    AgentToServerEvents,
    ServerToAgentEvents,
    Record<string, never>,
    AgentSocketData
  >(http, {
    maxHttpBufferSize: AGENT_MAX_HTTP_BUFFER_BYTES,
  });
  const agents = io.of(AGENT_NAMESPACE);
  agents.use((socket, next) => {
    const hello = agentHelloSchema.safeParse(socket.handshake.auth);
    if (!hello.success || hello.data.token !== TOKEN) {
      next(
        Object.assign(new Error('unauthorized'), {
          data: { code: 'unauthorized', message: 'bad token' },
        }),
      );
      return;
    }
    socket.data = { node: hello.data.node, bootId: hello.data.bootId, hidden: hello.data.hidden };
    next();
  });
  agents.on('connection', (socket) => {
    const seqs = () => store.stored.get(socket.data.bootId) ?? [];
    socket.emit('welcome', { ackedSeq: seqs().at(-1) ?? null, serverTime: Date.now() });
    socket.on('snapshots', (batch, ack) => {
      const list = seqs();
      for (const raw of batch) {
        const parsed = snapshotSchema.safeParse(raw);
        if (!parsed.success) {
          store.invalid++;
          continue;
        }
        store.arrivals.push(parsed.data.seq);
        if (parsed.data.seq > (list.at(-1) ?? 0)) list.push(parsed.data.seq);
      }
      store.stored.set(socket.data.bootId, list);
      ack({ ok: true, ackedSeq: list.at(-1) ?? 0 });
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return {
    io,
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let agent: Agent | undefined;
let server: Awaited<ReturnType<typeof startObservatory>> | undefined;
afterEach(async () => {
  await agent?.detach();
  await server?.close();
  agent = undefined;
  server = undefined;
});

function attach(port: number, node = new FakeNode(), token = TOKEN): Agent {
  return attachAgent(node, {
    url: `http://127.0.0.1:${port}`,
    token,
    intervalMs: 100,
    reconnectDelayMs: 50,
    reconnectDelayMaxMs: 200,
    processStats: fixedProcessStats,
  });
}

describe('agents/socket (real socket.io)', () => {
  it('stream — a server restart on the same port loses nothing and repeats nothing', async () => {
    const store: Store = { stored: new Map(), arrivals: [], invalid: 0 };
    server = await startObservatory(store);
    const port = server.port;
    agent = attach(port);
    const bootId = agent.bootId;
    const stored = () => store.stored.get(bootId) ?? [];
    await until(() => stored().length >= 5, 'first snapshots');

    await server.close();
    server = undefined;
    const before = agent.status().lastSeq;
    await until(() => agent!.status().lastSeq >= before + 6, 'snapshots buffered while down');
    expect(agent.status().connected).toBe(false);
    expect(agent.status().bufferedSnapshots).toBeGreaterThanOrEqual(5);

    server = await startObservatory(store, port);
    const target = agent.status().lastSeq + 3;
    await until(() => (stored().at(-1) ?? 0) >= target, 'replay and live snapshots after restart');
    await agent.detach();

    const seqs = stored();
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(store.arrivals).toEqual(seqs); // nothing arrived twice
    expect(store.invalid).toBe(0);
  });

  it('control — a command travels over the socket and is acknowledged with its result', async () => {
    const store: Store = { stored: new Map(), arrivals: [], invalid: 0 };
    server = await startObservatory(store);
    const node = new FakeNode('a@127.0.0.1');
    agent = attach(server.port, node);
    await until(() => agent!.status().connected, 'connection');
    const socket = [...server.io.of(AGENT_NAMESPACE).sockets.values()][0]!;
    const send = (command: unknown): Promise<CommandAck> =>
      socket.timeout(2_000).emitWithAck('command', command as ControlCommandInput);

    const ack = await send({
      id: 'c1',
      type: 'partition',
      args: { peers: ['b@127.0.0.1'] },
      ttlMs: 60_000,
    });
    expect(ack).toMatchObject({ id: 'c1', ok: true });
    expect(ack.expiresAt! - ack.appliedAt).toBe(60_000);
    expect(node.faults.holes.has('b@127.0.0.1')).toBe(true);
    expect(
      await send({ id: 'c1', type: 'partition', args: { peers: ['b@127.0.0.1'] }, ttlMs: 60_000 }),
    ).toMatchObject({
      ok: true,
      repeated: true,
    });
    expect(await send({ id: 'c2', type: 'nonsense' })).toMatchObject({
      ok: false,
      error: { code: 'bad_command' },
    });
    await until(
      () => (store.stored.get(agent!.bootId)?.length ?? 0) > 0,
      'a snapshot after the command',
    );
  });

  it('auth — a wrong token is refused and nothing is stored', async () => {
    const store: Store = { stored: new Map(), arrivals: [], invalid: 0 };
    server = await startObservatory(store);
    agent = attach(server.port, new FakeNode(), 'wrong');
    await new Promise((r) => setTimeout(r, 400));
    expect(agent.status().connected).toBe(false);
    expect(store.arrivals).toEqual([]);
  });
});
