/**
 * The observatory's history through Prisma: what ingest stores (raw snapshots, events, stored
 * seqs), the control audit, the periodic rollup and retention jobs, and the queries behind
 * `/api/history` and `/api/events`.
 */
import type { EventsQuery, HistoryQuery, HistoryResult, Resolution } from '../../protocol/http.ts';
import type { ModelEvent } from '../../protocol/model.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';
import type { AuditEntry } from '../control/control.ts';
import type { IngestStore } from '../ingest/ports.ts';
import type { Db } from '../store/client.ts';
import { every, systemClock, type Clock } from '../clock.ts';
import { matches, toSeries, type TrafficRecord } from './aggregate.ts';
import { DEFAULT_HISTORY_CONFIG, type HistoryConfig } from './config.ts';
import {
  recordsOfRaw,
  recordsOfRollups,
  runRetention,
  runRollup10,
  runRollup60,
} from './rollups.ts';
import { HistoryWriter } from './writer.ts';

/** A history range with no `from` covers this much. */
export const DEFAULT_HISTORY_RANGE_MS = 5 * 60_000;

export interface HistoryOptions {
  readonly config?: Partial<HistoryConfig>;
  /** wall-clock time of rows and queries; default `clock.now` */
  readonly now?: () => number;
  /**
   * Timers of the flush and of the rollup and retention jobs (and `now` when not given).
   * @default systemClock
   */
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /**
   * Whether this server runs the periodic jobs now (several servers on one store: only the
   * holder of the jobs lock does); asked at every turn. Default: always.
   */
  readonly runJobs?: () => boolean;
  /** told after each periodic job this server ran (metrics) */
  readonly onJob?: (name: 'rollup' | 'retention') => void;
}

export class History implements IngestStore {
  readonly config: HistoryConfig;
  private readonly writer: HistoryWriter;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly clock: Clock;
  private stopJobs: (() => void)[] = [];
  private jobs: Promise<unknown> = Promise.resolve();
  private readonly runJobs: () => boolean;
  private readonly onJob: (name: 'rollup' | 'retention') => void;

  constructor(
    private readonly db: Db,
    options: HistoryOptions = {},
  ) {
    this.config = { ...DEFAULT_HISTORY_CONFIG, ...options.config };
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.now = options.now ?? (() => clock.now());
    this.writer = new HistoryWriter(db, this.config, { now: this.now, clock });
    this.log = options.log ?? (() => {});
    this.runJobs = options.runJobs ?? (() => true);
    this.onJob = options.onJob ?? (() => {});
  }

  async storedSeq(node: string, bootId: string): Promise<number | null> {
    // Raw rows are exact for the last hour; the cursor (written every few seconds) covers a boot
    // whose raw rows retention already deleted.
    const [cursor, raw] = await Promise.all([
      this.db.agentCursor.findUnique({ where: { node_bootId: { node, bootId } } }),
      this.db.rawSnapshot.aggregate({ where: { node, bootId }, _max: { seq: true } }),
    ]);
    const seq = Math.max(cursor?.seq ?? 0, raw._max.seq ?? 0);
    return seq === 0 ? null : seq;
  }

  persist(snapshots: readonly Snapshot[], receivedAt: number): Promise<void> {
    return this.writer.writeSnapshots(snapshots, receivedAt);
  }

  /** Stores server-side events (node events are stored with their snapshots). */
  recordEvents(events: readonly ModelEvent[]): Promise<void> {
    return this.writer.writeEvents(events.filter((e) => e.source === 'server'));
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.db.controlAudit.create({
      data: {
        id: entry.id,
        at: new Date(entry.at),
        action: entry.action,
        request: JSON.stringify(entry.request ?? null).slice(0, 65_536),
        ok: entry.ok,
        result: JSON.stringify(entry.result ?? null).slice(0, 65_536),
        phase: entry.phase,
        requestId: entry.requestId ?? null,
        actor: entry.actor ?? null,
        remoteAddress: entry.remoteAddress ?? null,
        userAgent: entry.userAgent ?? null,
      },
    });
  }

  /** The audit log, newest first. */
  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.db.controlAudit.findMany({ orderBy: { at: 'desc' }, take: limit });
    return rows.map((r) => ({
      id: r.id,
      at: r.at.getTime(),
      action: r.action,
      phase: r.phase as AuditEntry['phase'],
      request: JSON.parse(r.request) as unknown,
      ok: r.ok,
      result: JSON.parse(r.result) as unknown,
      ...(r.requestId !== null && { requestId: r.requestId }),
      ...(r.actor !== null && { actor: r.actor }),
      ...(r.remoteAddress !== null && { remoteAddress: r.remoteAddress }),
      ...(r.userAgent !== null && { userAgent: r.userAgent }),
    }));
  }

  /** Runs one rollup pass of both resolutions. */
  async rollup(nowMs = this.now()): Promise<number> {
    let n = 0;
    n += await runRollup10(this.db, nowMs, this.config.rollupGraceMs);
    n += await runRollup60(this.db, nowMs, this.config.rollupGraceMs);
    return n;
  }

  retention(nowMs = this.now()) {
    return runRetention(this.db, nowMs, this.config);
  }

  /**
   * Starts the periodic rollup and retention jobs. They never overlap each other, and a job whose
   * previous run is still going skips its turn instead of queueing behind it, so a slow store
   * gets one run at a time rather than a backlog of them.
   */
  startJobs(): void {
    const busy = new Set<string>();
    const run = (name: 'rollup' | 'retention', job: () => Promise<unknown>) => {
      if (busy.has(name) || !this.runJobs()) return;
      busy.add(name);
      this.jobs = this.jobs
        .then(job)
        .then(() => this.onJob(name))
        .catch((error: unknown) => this.log(`history: ${name} failed: ${String(error)}`))
        .finally(() => busy.delete(name));
    };
    this.stopJobs.push(
      every(this.clock, this.config.rollupEveryMs, () => run('rollup', () => this.rollup())),
      every(this.clock, this.config.retentionEveryMs, () =>
        run('retention', () => this.retention()),
      ),
    );
  }

  async close(): Promise<void> {
    for (const stop of this.stopJobs) stop();
    this.stopJobs = [];
    await this.jobs;
    await this.writer.close();
  }

  /** Flushes pending writes now (tests, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  pickResolution(from: number, to: number, asked: HistoryQuery['resolution']): Resolution {
    if (asked !== 'auto') return Number(asked) as Resolution;
    const now = this.now();
    const span = to - from;
    if (span <= 15 * 60_000 && from >= now - this.config.rawRetentionMs) return 1;
    if (span <= 24 * 3_600_000 && from >= now - this.config.rollup10RetentionMs) return 10;
    return 60;
  }

  async history(query: HistoryQuery): Promise<HistoryResult> {
    const to = query.to ?? this.now();
    const from = query.from ?? to - DEFAULT_HISTORY_RANGE_MS;
    const resolution = this.pickResolution(from, to, query.resolution);
    const fromS = Math.floor(from / 1000 / resolution) * resolution;
    const toS = Math.ceil(to / 1000);
    const nodeFilter = query.node === undefined ? {} : { node: query.node };
    const records: TrafficRecord[] = [];
    const covered = new Set<string>();
    if (resolution !== 1) {
      const rows = await this.db.rollupBucket.findMany({
        where: { resolution, t: { gte: fromS, lt: toS }, ...nodeFilter },
        select: { node: true, t: true, data: true },
      });
      for (const row of rows) covered.add(`${row.node}\n${row.t}`);
      for (const r of recordsOfRollups(rows)) records.push(r);
    }
    // The newest buckets are not rolled up yet: answer them from the raw rows.
    const raw = await this.db.rawSnapshot.findMany({
      where: {
        t: { gte: fromS, lt: toS },
        ...nodeFilter,
        ...(resolution === 1 ? {} : { [resolution === 10 ? 'rolled10' : 'rolled60']: false }),
      },
      select: { node: true, t: true, data: true },
    });
    for (const r of recordsOfRaw(raw)) {
      if (covered.has(`${r.node}\n${Math.floor(r.t / resolution) * resolution}`)) continue;
      records.push(r);
    }
    const wanted = records.filter((r) => matches(r, query));
    return {
      from,
      to,
      resolution,
      groupBy: query.groupBy,
      series: toSeries(wanted, resolution, query.groupBy),
    };
  }

  async events(query: EventsQuery): Promise<{ events: ModelEvent[] }> {
    const rows = await this.db.event.findMany({
      where: {
        ...(query.from !== undefined || query.to !== undefined
          ? {
              at: {
                ...(query.from !== undefined && { gte: new Date(query.from) }),
                ...(query.to !== undefined && { lt: new Date(query.to) }),
              },
            }
          : {}),
        ...(query.node === undefined ? {} : { node: query.node }),
        ...(query.type === undefined ? {} : { type: query.type }),
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: query.limit,
    });
    return {
      events: rows.reverse().map((r) => ({
        id: r.id,
        at: r.at.getTime(),
        node: r.node,
        source: r.source as ModelEvent['source'],
        event: JSON.parse(r.data) as ModelEvent['event'],
      })),
    };
  }
}
