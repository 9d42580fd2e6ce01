/**
 * Cluster-wide "only one server does this" on PostgreSQL advisory locks. A session-level lock is
 * held by a connection of its own: it is released when the holder unlocks it, when its process
 * ends (cleanly or by SIGKILL: the kernel closes the socket and PostgreSQL ends the session), or
 * when the connection is lost; nothing to expire by hand and no clock to trust.
 *
 * - {@link JobsLeader}: the server that runs rollups and retention. Others retry every
 *   `retryMs`, so one takes over within about that long after the holder dies.
 * - {@link tryAdvisoryLock}: held for the length of one drill.
 */
import pg from 'pg';
import type { Clock } from '../clock.ts';
import { ADVISORY_LOCK_CLASS, LEADER_RETRY_MS, LOCK_PING_MS } from './constants.ts';

/** A lock this server holds. */
export interface HeldLock {
  /** settles when the lock is gone without {@link release} (connection lost) */
  readonly lost: Promise<void>;
  /** Checks the connection still answers; when it does not, it is closed and `lost` settles. */
  ping(): Promise<void>;
  /** Unlocks and closes the lock's connection. Idempotent. */
  release(): Promise<void>;
}

/** Takes the advisory lock `key` of our class if free; undefined when another session holds it. */
export async function tryAdvisoryLock(
  databaseUrl: string,
  key: number,
  log: (line: string) => void = () => {},
): Promise<HeldLock | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  let markLost: () => void = () => {};
  const lost = new Promise<void>((resolve) => (markLost = resolve));
  client.on('error', (error) => {
    log(`lock ${key}: connection lost: ${error.message}`);
    markLost();
  });
  client.on('end', () => markLost());
  await client.connect();
  let held = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, $2) AS locked',
      [ADVISORY_LOCK_CLASS, key],
    );
    held = rows[0]?.locked === true;
  } finally {
    if (!held) await client.end().catch(() => {});
  }
  if (!held) return undefined;
  let releasing: Promise<void> | undefined;
  return {
    lost,
    async ping() {
      try {
        await client.query('SELECT 1');
      } catch (error) {
        log(`lock ${key}: connection does not answer: ${String(error)}`);
        markLost();
        await client.end().catch(() => {});
      }
    },
    release() {
      // Ending the session releases every lock it holds; the explicit unlock just says so first.
      releasing ??= client
        .query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_LOCK_CLASS, key])
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => client.end().catch(() => {}));
      return releasing;
    },
  };
}

export interface JobsLeaderOptions {
  readonly databaseUrl: string;
  readonly key: number;
  readonly clock: Clock;
  /** @default LEADER_RETRY_MS */
  readonly retryMs?: number;
  /** @default LOCK_PING_MS */
  readonly pingMs?: number;
  readonly log?: (line: string) => void;
  /** what the lock guards, for log lines */
  readonly what: string;
}

/** Holds the lock `key` whenever it can, and says whether it does. */
export class JobsLeader {
  private held: HeldLock | undefined;
  private trying = false;
  private stop: (() => void) | undefined;
  private closed = false;
  private pinging = false;

  constructor(private readonly options: JobsLeaderOptions) {}

  /** True while this server holds the lock. */
  isLeader(): boolean {
    return this.held !== undefined;
  }

  /** Tries now, then every `retryMs` while not holding; checks the connection while holding. */
  start(): void {
    const { clock } = this.options;
    const retry = clock.setInterval(
      () => void this.attempt(),
      this.options.retryMs ?? LEADER_RETRY_MS,
    );
    const ping = clock.setInterval(() => void this.ping(), this.options.pingMs ?? LOCK_PING_MS);
    this.stop = () => {
      clock.clearInterval(retry);
      clock.clearInterval(ping);
    };
    void this.attempt();
  }

  /** Gives the lock up (another server takes over at its next try). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop?.();
    const held = this.held;
    this.held = undefined;
    await held?.release();
  }

  private async attempt(): Promise<void> {
    if (this.held !== undefined || this.trying || this.closed) return;
    this.trying = true;
    const log = this.options.log ?? (() => {});
    try {
      const held = await tryAdvisoryLock(this.options.databaseUrl, this.options.key, log);
      if (held === undefined) return;
      if (this.closed) {
        await held.release();
        return;
      }
      this.held = held;
      log(`${this.options.what}: this server holds the lock and runs them`);
      void held.lost.then(() => {
        if (this.held !== held) return;
        this.held = undefined;
        log(`${this.options.what}: lock lost with its connection; another server may take over`);
      });
    } catch (error) {
      log(`${this.options.what}: cannot try the lock: ${String(error)}`);
    } finally {
      this.trying = false;
    }
  }

  /** A connection that died silently must not leave us believing we hold the lock. */
  private async ping(): Promise<void> {
    const held = this.held;
    if (held === undefined || this.pinging) return;
    this.pinging = true;
    try {
      await held.ping();
    } finally {
      this.pinging = false;
    }
  }
}
