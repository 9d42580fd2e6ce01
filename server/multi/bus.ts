/**
 * The wiring of the socket.io PostgreSQL adapter: a `pg` pool of its own (LISTEN holds one
 * connection for good; publishes and attachment reads use the others), the attachment table the
 * adapter needs for messages over NOTIFY's 8000-byte limit, and the {@link PeerBus} over the
 * `/agent` namespace's server-side emits.
 *
 * Only the `/agent` socket.io server gets the adapter. The `/ui` server keeps the default
 * in-memory one on purpose: each server pushes its own (merged) model to its own dashboards, and
 * a cluster-wide broadcast would give every dashboard every server's pushes.
 */
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Namespace } from 'socket.io';
import {
  ADAPTER_CHANNEL_PREFIX,
  ADAPTER_TABLE,
  PEER_HEARTBEAT_MS,
  PEER_TIMEOUT_MS,
} from './constants.ts';
import { COMMAND_EVENT, JOURNAL_EVENT, type CommandResponse } from './messages.ts';
import type { PeerBus } from './peers.ts';

/** The socket.io `adapter` option for servers sharing one PostgreSQL database. */
export type AdapterFactory = ReturnType<typeof createAdapter>;

export interface PostgresAdapter {
  readonly adapter: AdapterFactory;
  /** Ends the adapter's pool (after socket.io closed the adapter). */
  close(): Promise<void>;
}

/** Creates the attachment table if needed and the adapter factory on a pool of its own. */
export async function postgresAdapter(
  databaseUrl: string,
  log: (line: string) => void = () => {},
): Promise<PostgresAdapter> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle client that PostgreSQL drops must not crash the server; the adapter reconnects.
  pool.on('error', (error) => log(`peers: PostgreSQL connection lost: ${error.message}`));
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${ADAPTER_TABLE} (
      id bigserial UNIQUE,
      created_at timestamptz DEFAULT NOW(),
      payload bytea
    )`);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const adapter = createAdapter(pool, {
    channelPrefix: ADAPTER_CHANNEL_PREFIX,
    tableName: ADAPTER_TABLE,
    heartbeatInterval: PEER_HEARTBEAT_MS,
    heartbeatTimeout: PEER_TIMEOUT_MS,
    errorHandler: (error: Error) => log(`peers: adapter: ${error.message}`),
  });
  return { adapter, close: () => pool.end() };
}

type Ack = (error: Error | null, responses: unknown[]) => void;

/** The {@link PeerBus} over a namespace whose server has the PostgreSQL adapter. */
export function namespaceBus(namespace: Namespace): PeerBus {
  return {
    publish(batch) {
      namespace.serverSideEmit(JOURNAL_EVENT, batch);
    },
    request(request, timeoutMs) {
      return new Promise((resolve) => {
        let done = false;
        const finish = (responses: unknown[]) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(responses);
        };
        // The adapter gives up on its own after 5 s; this bound is ours, and may be shorter.
        const timer = setTimeout(() => finish([]), timeoutMs);
        const ack: Ack = (_error, responses) => finish(Array.isArray(responses) ? responses : []);
        namespace.serverSideEmit(COMMAND_EVENT, request, ack);
      });
    },
    onJournal(handler) {
      namespace.on(JOURNAL_EVENT, (raw: unknown) => handler(raw));
    },
    onCommand(handler) {
      namespace.on(COMMAND_EVENT, (raw: unknown, reply: unknown) =>
        handler(raw, (answer: CommandResponse) => {
          if (typeof reply === 'function') (reply as (a: CommandResponse) => void)(answer);
        }),
      );
    },
  };
}
