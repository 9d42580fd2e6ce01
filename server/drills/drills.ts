/**
 * The drill service behind `/api/drills`: validates a start request, runs one drill at a time
 * (runner.ts), stores every run — at its start, at each phase change and at its end — in the
 * store (drill-store.ts), so past reports survive a restart, and publishes each drill's start,
 * phase changes and finish as server events (stored in the events table and pushed to `/ui`).
 * The running drill's live progress (about once a second) is kept in memory only and laid over
 * what the store returns.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { drillIdSchema, drillRequestSchema, type DrillView } from '../../protocol/http.ts';
import type { ServerEvent } from '../../protocol/model.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import type { Db } from '../store/client.ts';
import { DrillStore, type DrillRecord, type DrillStatus } from './drill-store.ts';
import { DrillHistories } from './history-files.ts';
import {
  runDrill,
  type DrillOutcome,
  type DrillProgress,
  type RunDrillOptions,
  type RunningDrill,
} from './runner.ts';

export { DEFAULT_DRILL_RUNS_KEPT, type DrillRecord, type DrillStatus } from './drill-store.ts';

/** Runs `GET /api/drills` lists when no `limit` is given. */
export const DEFAULT_DRILL_LIST_LIMIT = 20;

/** Why a run left `running` by a server that died is interrupted (read at the next start). */
export const INTERRUPTED_BY_CRASH =
  'the observatory server stopped (crashed or was killed) while the drill ran';
/** Why the running drill is interrupted when the server shuts down. */
export const INTERRUPTED_BY_SHUTDOWN = 'the observatory server shut down while the drill ran';

/** `GET /api/drills?limit=N`: newest N runs, 1 to the number kept. */
export function drillsQuerySchema(kept: number) {
  const message = `limit must be an integer from 1 to ${kept}`;
  return z.strictObject({
    limit: z
      .string()
      .regex(/^\d+$/, { message })
      .transform(Number)
      .refine((n) => n >= 1 && n <= kept, { message })
      .optional(),
  });
}

export interface DrillsOptions {
  /** where runs are kept */
  readonly db: Db;
  readonly now: () => number;
  /** publishes a server event (EventFeed.server) */
  readonly publish: (event: ServerEvent & { type: 'drill' }) => void;
  readonly log?: (line: string) => void;
  /** runs kept in the store; default DEFAULT_DRILL_RUNS_KEPT (200) */
  readonly keep?: number;
  /**
   * where each run's history file is kept, and the byte cap of the directory (history-files.ts);
   * without it drills run without keeping their history (tests with a fake child)
   */
  readonly histories?: { readonly dir: string; readonly maxBytes?: number };
  /**
   * Mark runs left `running` interrupted at start-up. Several servers on one store turn it off:
   * a run left `running` may belong to a live peer (they recover under the drill lock instead).
   * @default true
   */
  readonly recoverAtStart?: boolean;
  /** overrides for the runner (tests: a fake spawner, timers, short timeout) */
  readonly runner?: Omit<RunDrillOptions, 'kind' | 'nodes' | 'onProgress'>;
}

/** Describes a progress line in a few words for the page. */
export function describeProgress(p: DrillProgress): string {
  const parts = [p.phase];
  if (typeof p.attempted === 'number' && typeof p.acked === 'number') {
    parts.push(`${p.attempted} writes, ${p.acked} acked`);
  }
  return parts.join(' · ');
}

export class Drills {
  private readonly store: DrillStore;
  private readonly histories: DrillHistories | undefined;
  /** recovery of runs a dead server left `running`; every read waits for it */
  private readonly ready: Promise<void>;
  private running: { record: DrillRecord; drill: RunningDrill } | undefined;
  /** the history directory's cap, applied after each drill (never rejects) */
  private capping: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: DrillsOptions) {
    const histories =
      options.histories === undefined
        ? undefined
        : new DrillHistories({
            ...options.histories,
            ...(options.log !== undefined && { log: options.log }),
          });
    this.histories = histories;
    this.store = new DrillStore(options.db, {
      ...(options.keep !== undefined && { keep: options.keep }),
      ...(options.log !== undefined && { log: options.log }),
      ...(histories !== undefined && { onDeleted: (ids) => histories.remove(ids) }),
    });
    this.ready = options.recoverAtStart === false ? Promise.resolve() : this.recoverInterrupted();
  }

  /**
   * Marks runs left `running` by a dead server interrupted. Only right when no live server runs
   * a drill: at start-up of a single server, or with several servers under the drill lock.
   */
  recoverInterrupted(): Promise<void> {
    const options = this.options;
    const at = options.now();
    return this.store.recover(at, INTERRUPTED_BY_CRASH).then(
      (runs) => {
        for (const run of runs) {
          this.event(run.id, 'interrupted', at, `${run.kind} interrupted: ${run.error ?? ''}`);
          options.log?.(`drill ${run.id}: ${run.kind} interrupted (left running by a dead server)`);
        }
      },
      (error: unknown) => options.log?.(`drills: interrupted runs not marked: ${String(error)}`),
    );
  }

  /** Resolves when the drill running now (if any) has ended and its run is saved. */
  async idle(): Promise<void> {
    await this.running?.drill.done;
    await this.store.flush();
  }

  /** Runs kept in the store. */
  get kept(): number {
    return this.store.keep;
  }

  /** The newest runs (default {@link DEFAULT_DRILL_LIST_LIMIT}), newest first, from the store. */
  async list(query: unknown = {}): Promise<{ drills: DrillRecord[] }> {
    const { limit } = drillsQuerySchema(this.store.keep).parse(query);
    await this.settled();
    const drills = await this.store.list(limit ?? Math.min(DEFAULT_DRILL_LIST_LIMIT, this.kept));
    return { drills: drills.map((d) => this.live(d)) };
  }

  /**
   * One run with its report; throws BadRequestError (400) for an id that is not a UUID and
   * NotFoundError (404) for an unknown one.
   */
  async get(id: string): Promise<DrillRecord> {
    const checked = drillIdSchema.safeParse(id);
    if (!checked.success) {
      throw new BadRequestError(
        'BAD_DRILL_ID',
        `${JSON.stringify(id.slice(0, 100))} is not a drill id (a UUID, as POST /api/drills answers)`,
      );
    }
    await this.settled();
    const record = await this.store.get(checked.data);
    if (record === undefined) {
      throw new NotFoundError('DRILL_NOT_FOUND', `no drill ${JSON.stringify(id)}`);
    }
    return this.live(record);
  }

  /**
   * `GET /api/drills/:id`: the run, its history file and the history as a timeline (the failing
   * windows of its report marked); errors as {@link get}.
   */
  async view(id: string): Promise<DrillView> {
    const record = await this.get(id);
    const none = (timelineNote: string): DrillView => ({
      ...record,
      historyFile: null,
      timeline: null,
      timelineNote,
    });
    if (this.histories === undefined) return none('this server keeps no drill histories');
    if (record.status === 'running') return none('the history is written when the drill ends');
    const bytes = await this.histories.size(record.id);
    if (bytes === undefined) {
      return none(
        'no history file: the drill ended before writing it, or it was deleted (runs beyond the ' +
          'retention, or the oldest files beyond OBSERVATORY_DRILL_HISTORY_MAX_MB)',
      );
    }
    const timeline = (await this.histories.timeline(record.id, record.report)) ?? null;
    return {
      ...record,
      historyFile: { bytes, url: `/api/drills/${record.id}/history` },
      timeline,
      ...(timeline === null && { timelineNote: 'the history file was deleted meanwhile' }),
    };
  }

  /**
   * `GET /api/drills/:id/history`: the run's history file; errors as {@link get}, and
   * NotFoundError when the run has no history file.
   */
  async historyFile(id: string): Promise<{ path: string; bytes: number; filename: string }> {
    const record = await this.get(id);
    const bytes = await this.histories?.size(record.id);
    if (this.histories === undefined || bytes === undefined) {
      throw new NotFoundError(
        'DRILL_HISTORY_NOT_FOUND',
        record.status === 'running'
          ? `drill ${record.id} is still running; its history is written when it ends`
          : `drill ${record.id} has no history file (not written, or deleted by retention)`,
      );
    }
    return {
      path: this.histories.path(record.id),
      bytes,
      filename: `drill-${record.kind}-${record.id}.jsonl`,
    };
  }

  /** Starts a drill from a request body; throws ZodError (400) or ConflictError (409). */
  start(body: unknown): DrillRecord {
    const request = drillRequestSchema.parse(body);
    if (this.running !== undefined || this.closed) {
      throw new ConflictError(
        'DRILL_RUNNING',
        this.closed
          ? 'the server is shutting down'
          : `drill ${this.running!.record.id} is still running; one drill at a time`,
      );
    }
    const now = this.options.now();
    const record: DrillRecord = {
      id: randomUUID(),
      kind: request.kind,
      ...(request.nodes !== undefined && { nodes: request.nodes }),
      ...(request.unsafe !== undefined && { unsafe: request.unsafe }),
      status: 'running',
      startedAt: now,
      progress: 'starting',
    };
    let history: string | undefined;
    try {
      this.histories?.prepare();
      history = this.histories?.path(record.id);
    } catch (error) {
      // the drill still runs and is judged; only its timeline and download are missing
      this.options.log?.(`drills: no history kept for ${record.id}: ${String(error)}`);
    }
    this.store.save(record);
    this.event(
      record.id,
      'started',
      now,
      `${record.kind}${request.nodes ? ` on ${request.nodes} nodes` : ''}` +
        (request.unsafe ? ` (negative control --unsafe ${request.unsafe}: expected to fail)` : ''),
    );

    let lastPhase = '';
    const drill = runDrill({
      ...this.options.runner,
      kind: request.kind,
      nodes: request.nodes,
      unsafe: request.unsafe,
      ...(history !== undefined && { history }),
      onProgress: (p) => {
        const current = this.update(record.id, {
          progress: describeProgress(p),
          lastProgress: p,
        });
        // ticks only refresh the live counters; the store and the timeline get phase changes
        if (p.phase !== lastPhase) {
          lastPhase = p.phase;
          if (current !== undefined) this.store.save(current);
          this.event(record.id, `phase:${p.phase}`, this.options.now(), describeProgress(p));
        }
      },
    });
    this.running = { record, drill };
    void drill.done.then((outcome) => this.finish(record.id, outcome));
    return record;
  }

  /**
   * Stops a running drill (recorded interrupted), waits for it to end and for every run to be
   * stored. Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (running !== undefined) {
      running.drill.stop(INTERRUPTED_BY_SHUTDOWN);
      // finish() was chained on `done` first, so the run is saved by now
      await running.drill.done;
    }
    await this.settled();
    await this.capping;
  }

  /** Waits for start-up recovery and every queued write, so a read sees every save before it. */
  private async settled(): Promise<void> {
    await this.ready;
    await this.store.flush();
  }

  /** The running drill's live progress over its stored row. */
  private live(stored: DrillRecord): DrillRecord {
    const running = this.running?.record;
    return running !== undefined && running.id === stored.id ? running : stored;
  }

  private finish(id: string, outcome: DrillOutcome): void {
    const current = this.running?.record.id === id ? this.running.record : undefined;
    const at = this.options.now();
    const status: DrillStatus = outcome.passed
      ? 'passed'
      : this.closed && outcome.error?.startsWith(INTERRUPTED_BY_SHUTDOWN) === true
        ? 'interrupted'
        : 'failed';
    const finished = this.update(id, {
      status,
      finishedAt: at,
      ...(outcome.report !== undefined && { report: outcome.report }),
      ...(outcome.error !== undefined && { error: outcome.error }),
    });
    this.running = undefined;
    if (finished !== undefined) this.store.save(finished, { prune: true });
    const histories = this.histories;
    if (histories !== undefined) {
      this.capping = this.store.flush().then(async () => {
        await histories.enforceCap();
      });
    }
    const verdict = outcome.report?.verdict;
    const detail =
      `${current?.kind ?? 'drill'} ${status}` +
      (verdict === undefined ? '' : ` (verdict ${verdict})`) +
      (outcome.error === undefined ? '' : `: ${outcome.error.split('\n')[0]}`);
    this.event(id, status, at, detail);
    this.options.log?.(`drill ${id}: ${detail}`);
  }

  /** Patches the running drill's record; returns it, or undefined when `id` is not running. */
  private update(id: string, patch: Partial<DrillRecord>): DrillRecord | undefined {
    const running = this.running;
    if (running?.record.id !== id) return undefined;
    const { progress: _drop, ...rest } = running.record;
    // a finished drill shows its verdict, not its last phase
    running.record =
      patch.status !== undefined && patch.status !== 'running'
        ? { ...rest, ...patch }
        : { ...running.record, ...patch };
    return running.record;
  }

  private event(id: string, action: string, at: number, detail?: string): void {
    this.options.publish({
      type: 'drill',
      at,
      id,
      action,
      ...(detail !== undefined && { detail }),
    });
  }
}
