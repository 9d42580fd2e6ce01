/**
 * The drill service behind `/api/drills`: validates a start request, runs one drill at a time
 * (runner.ts), keeps the last drill records in memory, and publishes each drill's start, phase
 * changes and finish as server events (stored in the events table and pushed to `/ui`).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerEvent } from '../../protocol/model.ts';
import { ConflictError } from '../api/errors.ts';
import {
  DRILL_KINDS,
  runDrill,
  type DrillKind,
  type DrillOutcome,
  type DrillProgress,
  type DrillReport,
  type RunDrillOptions,
  type RunningDrill,
} from './runner.ts';

/** Drill records kept in memory (newest first). */
export const MAX_DRILL_RECORDS = 20;

export const drillRequestSchema = z.strictObject({
  kind: z.enum(DRILL_KINDS, { message: "kind must be 'node-loss', 'split-brain' or 'pause'" }),
  nodes: z
    .number({ message: 'nodes must be an integer from 3 to 9' })
    .int({ message: 'nodes must be an integer from 3 to 9' })
    .min(3, { message: 'nodes must be an integer from 3 to 9' })
    .max(9, { message: 'nodes must be an integer from 3 to 9' })
    .optional(),
});

export type DrillStatus = 'running' | 'passed' | 'failed';

/** One drill as `GET /api/drills` shows it. */
export interface DrillRecord {
  readonly id: string;
  readonly kind: DrillKind;
  readonly nodes?: number;
  readonly status: DrillStatus;
  readonly startedAt: number;
  readonly finishedAt?: number;
  /** the current phase in words, e.g. "partition · 462 writes, 456 acked" (what the page shows) */
  readonly progress?: string;
  /** the last progress line of the CLI, as it printed it */
  readonly lastProgress?: DrillProgress;
  readonly report?: DrillReport;
  readonly error?: string;
}

export interface DrillsOptions {
  readonly now: () => number;
  /** publishes a server event (EventFeed.server) */
  readonly publish: (event: ServerEvent & { type: 'drill' }) => void;
  readonly log?: (line: string) => void;
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
  private readonly records: DrillRecord[] = [];
  private running: { id: string; drill: RunningDrill } | undefined;
  private closed = false;

  constructor(private readonly options: DrillsOptions) {}

  /** Newest first. */
  list(): { drills: DrillRecord[] } {
    return { drills: this.records.slice() };
  }

  /** Starts a drill from a request body; throws ZodError (400) or ConflictError (409). */
  start(body: unknown): DrillRecord {
    const request = drillRequestSchema.parse(body);
    if (this.running !== undefined || this.closed) {
      throw new ConflictError(
        'DRILL_RUNNING',
        this.closed
          ? 'the server is shutting down'
          : `drill ${this.running!.id} is still running; one drill at a time`,
      );
    }
    const now = this.options.now();
    const record: DrillRecord = {
      id: randomUUID(),
      kind: request.kind,
      ...(request.nodes !== undefined && { nodes: request.nodes }),
      status: 'running',
      startedAt: now,
      progress: 'starting',
    };
    this.records.unshift(record);
    this.records.splice(MAX_DRILL_RECORDS);
    this.event(
      record.id,
      'started',
      now,
      `${record.kind}${request.nodes ? ` on ${request.nodes} nodes` : ''}`,
    );

    let lastPhase = '';
    const drill = runDrill({
      ...this.options.runner,
      kind: request.kind,
      nodes: request.nodes,
      onProgress: (p) => {
        this.update(record.id, { progress: describeProgress(p), lastProgress: p });
        // ticks only refresh counters; the timeline gets phase changes
        if (p.phase !== lastPhase) {
          lastPhase = p.phase;
          this.event(record.id, `phase:${p.phase}`, this.options.now(), describeProgress(p));
        }
      },
    });
    this.running = { id: record.id, drill };
    void drill.done.then((outcome) => this.finish(record.id, outcome));
    return record;
  }

  /** Stops a running drill and waits for it to end. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (running === undefined) return;
    running.drill.stop('the server shut down');
    await running.drill.done;
  }

  private finish(id: string, outcome: DrillOutcome): void {
    if (this.running?.id === id) this.running = undefined;
    const at = this.options.now();
    const status: DrillStatus = outcome.passed ? 'passed' : 'failed';
    const current = this.records.find((r) => r.id === id);
    this.update(id, {
      status,
      finishedAt: at,
      ...(outcome.report !== undefined && { report: outcome.report }),
      ...(outcome.error !== undefined && { error: outcome.error }),
    });
    const verdict = outcome.report?.verdict;
    const detail =
      `${current?.kind ?? 'drill'} ${status}` +
      (verdict === undefined ? '' : ` (verdict ${verdict})`) +
      (outcome.error === undefined ? '' : `: ${outcome.error.split('\n')[0]}`);
    this.event(id, status, at, detail);
    this.options.log?.(`drill ${id}: ${detail}`);
  }

  private update(id: string, patch: Partial<DrillRecord>): void {
    const i = this.records.findIndex((r) => r.id === id);
    if (i >= 0) {
      const { progress: _drop, ...rest } = this.records[i]!;
      // a finished drill shows its verdict, not its last phase
      this.records[i] =
        patch.status !== undefined && patch.status !== 'running'
          ? { ...rest, ...patch }
          : { ...this.records[i]!, ...patch };
    }
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
