/**
 * Drill runs in the store (the `DrillRun` table), so reports outlive the server process: one row
 * per run, written whole on every save. Saves are queued and coalesced — while one write is in
 * flight, later saves of the same run collapse into the next write — so a drill costs a handful
 * of upserts (start, each phase change, end) whatever its progress rate. Only this server writes
 * drill rows (the observatory runs as a single replica), so a row still `running` when the server
 * starts belongs to a process that died: {@link DrillStore.recover} marks it interrupted.
 */
import type { Db } from '../store/client.ts';
import {
  DRILL_STATUSES,
  type DrillKind,
  type DrillProgress,
  type DrillRecord,
  type DrillReport,
  type DrillStatus,
  UNSAFE_SWITCHES,
  type UnsafeSwitch,
} from '../../protocol/http.ts';

export { DRILL_STATUSES, type DrillRecord, type DrillStatus } from '../../protocol/http.ts';

/** Drill runs kept in the store by default (older ones are deleted when a drill ends). */
export const DEFAULT_DRILL_RUNS_KEPT = 200;

export interface DrillStoreOptions {
  /** runs kept; default {@link DEFAULT_DRILL_RUNS_KEPT} */
  readonly keep?: number;
  readonly log?: (line: string) => void;
  /** told the ids of runs deleted beyond {@link DrillStore.keep} (their history files go too) */
  readonly onDeleted?: (ids: readonly string[]) => Promise<void>;
}

type Row = Awaited<ReturnType<Db['drillRun']['findUniqueOrThrow']>>;

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The row for a record (every column, so one upsert serves create and update). */
export function toRow(record: DrillRecord): Row {
  return {
    id: record.id,
    kind: record.kind,
    options: JSON.stringify({
      ...(record.nodes !== undefined && { nodes: record.nodes }),
      ...(record.unsafe !== undefined && { unsafe: record.unsafe }),
    }),
    state: record.status,
    startedAt: new Date(record.startedAt),
    endedAt: record.finishedAt === undefined ? null : new Date(record.finishedAt),
    verdict: record.report?.verdict ?? null,
    progress: record.progress ?? null,
    lastProgress: record.lastProgress === undefined ? null : JSON.stringify(record.lastProgress),
    report: record.report === undefined ? null : JSON.stringify(record.report),
    error: record.error ?? null,
  };
}

/** The record for a row; unreadable JSON columns are left out rather than failing the list. */
export function fromRow(row: Row): DrillRecord {
  const options = parseJson(row.options);
  const nodes = isObject(options) ? options.nodes : undefined;
  const unsafe = isObject(options) ? options.unsafe : undefined;
  const lastProgress = parseJson(row.lastProgress);
  const report = parseJson(row.report);
  return {
    id: row.id,
    // written by this server from a validated request
    kind: row.kind as DrillKind,
    ...(typeof nodes === 'number' && { nodes }),
    ...((UNSAFE_SWITCHES as readonly unknown[]).includes(unsafe) && {
      unsafe: unsafe as UnsafeSwitch,
    }),
    status: (DRILL_STATUSES as readonly string[]).includes(row.state)
      ? (row.state as DrillStatus)
      : 'failed',
    startedAt: row.startedAt.getTime(),
    ...(row.endedAt !== null && { finishedAt: row.endedAt.getTime() }),
    ...(row.progress !== null && { progress: row.progress }),
    ...(isObject(lastProgress) && { lastProgress: lastProgress as DrillProgress }),
    ...(isObject(report) && { report: report as DrillReport }),
    ...(row.error !== null && { error: row.error }),
  };
}

export class DrillStore {
  readonly keep: number;
  private readonly log: (line: string) => void;
  private readonly onDeleted: (ids: readonly string[]) => Promise<void>;
  private readonly pending = new Map<string, { record: DrillRecord; prune: boolean }>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    options: DrillStoreOptions = {},
  ) {
    this.keep = Math.max(1, Math.floor(options.keep ?? DEFAULT_DRILL_RUNS_KEPT));
    this.log = options.log ?? (() => {});
    this.onDeleted = options.onDeleted ?? (() => Promise.resolve());
  }

  /**
   * Marks every run still `running` as interrupted, ended `at`, with `reason` and the phase it
   * had reached; returns them. Call once at start-up, before any save (it joins the write queue).
   */
  recover(at: number, reason: string): Promise<DrillRecord[]> {
    const result = this.chain.then(async () => {
      const rows = await this.db.drillRun.findMany({ where: { state: 'running' } });
      const interrupted = rows.map((row) => {
        const { progress, ...rest } = fromRow(row);
        return {
          ...rest,
          status: 'interrupted',
          finishedAt: Math.max(at, rest.startedAt),
          error: rest.error ?? (progress === undefined ? reason : `${reason} (during ${progress})`),
        } satisfies DrillRecord;
      });
      if (interrupted.length > 0) {
        await this.db.$transaction(
          interrupted.map((r) => this.db.drillRun.update({ where: { id: r.id }, data: toRow(r) })),
        );
      }
      return interrupted;
    });
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Queues the record's current state; `prune` (at a drill's end) also deletes runs beyond the
   * newest {@link keep}. Never throws: a failed write is logged and retried with the next one.
   */
  save(record: DrillRecord, options: { prune?: boolean } = {}): void {
    const prune = (options.prune ?? false) || (this.pending.get(record.id)?.prune ?? false);
    this.pending.set(record.id, { record, prune });
    this.schedule();
  }

  /** Resolves when everything saved so far is written (or its write failed). */
  flush(): Promise<void> {
    if (this.pending.size > 0) this.schedule();
    return this.chain;
  }

  /** Newest first. */
  async list(limit: number): Promise<DrillRecord[]> {
    const rows = await this.db.drillRun.findMany({
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.map(fromRow);
  }

  async get(id: string): Promise<DrillRecord | undefined> {
    const row = await this.db.drillRun.findUnique({ where: { id } });
    return row === null ? undefined : fromRow(row);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.chain = this.chain.then(() => this.write());
  }

  private async write(): Promise<void> {
    this.scheduled = false;
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (batch.length === 0) return;
    try {
      await this.db.$transaction(
        batch.map(({ record }) => {
          const row = toRow(record);
          return this.db.drillRun.upsert({ where: { id: row.id }, create: row, update: row });
        }),
      );
    } catch (error) {
      this.log(`drills: ${batch.length} run(s) not stored: ${String(error)}`);
      // kept for the next write unless a newer state of the run was saved meanwhile
      for (const entry of batch) {
        if (!this.pending.has(entry.record.id)) this.pending.set(entry.record.id, entry);
      }
      return;
    }
    if (batch.some((b) => b.prune)) {
      try {
        await this.prune();
      } catch (error) {
        this.log(`drills: old runs not deleted: ${String(error)}`);
      }
    }
  }

  /** Deletes finished runs beyond the newest {@link keep}. */
  private async prune(): Promise<void> {
    const stale = await this.db.drillRun.findMany({
      where: { state: { not: 'running' } },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      skip: this.keep,
      select: { id: true },
    });
    if (stale.length > 0) {
      const ids = stale.map((r) => r.id);
      await this.db.drillRun.deleteMany({ where: { id: { in: ids } } });
      await this.onDeleted(ids);
    }
  }
}
