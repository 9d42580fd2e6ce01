/**
 * The drills' part of the HTTP contract (protocol/http.ts re-exports it): starting a drill, the
 * runs as listed, and one run's page — its kept history file and the history as a timeline.
 */
import { z } from 'zod';

// ---- /api/drills ------------------------------------------------------------------------------

/** The drills the CLI knows (cli/drill/kinds.ts takes its list from here). */
export const DRILL_KINDS = [
  'node-loss',
  'split-brain',
  'pause',
  'isolate',
  'bridge',
  'flap',
  'clock-jump',
  'random',
] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

/** `interrupted`: the server stopped (shut down, crashed or was killed) while the drill ran. */
export const DRILL_STATUSES = ['running', 'passed', 'failed', 'interrupted'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];

/**
 * Negative controls: switches that break the system (not the checker), so that the drill they
 * target must fail (docs/drills.md, "Negative controls"). `no-store-fence`: the store accepts a
 * write whatever its epoch; `no-lease`: every node acts as owner without a majority lease.
 */
export const UNSAFE_SWITCHES = ['no-store-fence', 'no-lease'] as const;
export type UnsafeSwitch = (typeof UNSAFE_SWITCHES)[number];

/**
 * Each negative control with the one drill measured to defeat it: any other combination is
 * refused (CLI and API alike) rather than claimed to be caught.
 */
export const DEFEATED_BY: Readonly<Record<UnsafeSwitch, DrillKind>> = {
  'no-store-fence': 'pause',
  'no-lease': 'split-brain',
};

/** Why `unsafe` may not run with `kind`, or null when it may. */
export function unsafeRefusal(kind: DrillKind, unsafe: UnsafeSwitch): string | null {
  const right = DEFEATED_BY[unsafe];
  return kind === right ? null : `unsafe '${unsafe}' is a negative control for '${right}' only`;
}

const drillNodesMessage = 'nodes must be an integer from 3 to 9';
/** `POST /api/drills` */
export const drillRequestSchema = z
  .strictObject({
    kind: z.enum(DRILL_KINDS, {
      message: `kind must be one of ${DRILL_KINDS.map((k) => `'${k}'`).join(', ')}`,
    }),
    nodes: z
      .number({ message: drillNodesMessage })
      .int({ message: drillNodesMessage })
      .min(3, { message: drillNodesMessage })
      .max(9, { message: drillNodesMessage })
      .optional(),
    /** a negative control: the drill breaks the system on purpose and must fail */
    unsafe: z
      .enum(UNSAFE_SWITCHES, {
        message: `unsafe must be one of ${UNSAFE_SWITCHES.map((u) => `'${u}'`).join(', ')}`,
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    const refusal = r.unsafe === undefined ? null : unsafeRefusal(r.kind, r.unsafe);
    if (refusal !== null) ctx.addIssue({ code: 'custom', path: ['unsafe'], message: refusal });
  });
export type DrillRequest = z.infer<typeof drillRequestSchema>;

/** One progress line of the CLI: `{drill, phase, at, elapsedMs, attempted, acked, …}`. */
export const drillProgressSchema = z.looseObject({
  phase: z.string(),
  at: z.number(),
  tick: z.boolean().optional(),
});
export type DrillProgress = z.infer<typeof drillProgressSchema>;

/** The drill's JSON report (cli/drill/report.ts); only `verdict` is relied on. */
export const drillReportSchema = z.looseObject({
  verdict: z.string(),
  summary: z.string().optional(),
  passed: z.boolean().optional(),
});
export type DrillReport = z.infer<typeof drillReportSchema>;

/** One drill as `GET /api/drills` and `GET /api/drills/<id>` show it. */
export const drillRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(DRILL_KINDS),
  nodes: z.number().optional(),
  /** a negative control run: expected to fail */
  unsafe: z.enum(UNSAFE_SWITCHES).optional(),
  status: z.enum(DRILL_STATUSES),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  /** the current phase in words, e.g. "partition · 462 writes, 456 acked" (what the page shows) */
  progress: z.string().optional(),
  /** the last progress line of the CLI, as it printed it */
  lastProgress: drillProgressSchema.optional(),
  report: drillReportSchema.optional(),
  error: z.string().optional(),
});
export type DrillRecord = Readonly<z.infer<typeof drillRecordSchema>>;

/** `GET /api/drills` */
export const drillListSchema = z.object({ drills: z.array(drillRecordSchema) });
export type DrillList = z.infer<typeof drillListSchema>;

// ---- GET /api/drills/:id (the run's page) and /api/drills/:id/history ----------------------------
// The run, its kept history file and the history as a timeline: client operations from invoke to
// completion, nemesis events and the fault intervals they bound, the operations of the checker's
// failing windows marked. Times are ms since the run's start (the history's monotonic ns / 1e6).

/** Operations a timeline carries at most; beyond it `ok` operations are sampled (see `note`). */
export const MAX_TIMELINE_OPS = 5_000;
/** Nemesis events a timeline carries at most (a flapping partition makes many). */
export const MAX_TIMELINE_NEMESIS = 1_000;

/** A drill id: the server names runs by UUID, and the history file by the id. */
export const drillIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'a drill id is a UUID',
  });

/** One client operation: its invoke and how it ended. */
export const timelineOpSchema = z.object({
  /** the history's `index` of the invoke line */
  index: z.int().nonnegative(),
  process: z.int().nonnegative(),
  /** `info` is open-ended (it may have happened at any point after its invoke, or never) */
  type: z.enum(['ok', 'fail', 'info']),
  f: z.string(),
  key: z.union([z.string(), z.number()]).nullable(),
  /** the invoke's value, or for a read the value read */
  value: z.unknown(),
  invokeMs: z.number(),
  /** null: still pending when the history ended (counts as `info`) */
  completeMs: z.number().nullable(),
  /** part of a failing window of the checker */
  window: z.boolean().optional(),
});

/** A nemesis event (`"process": "nemesis"`): a phase of the drill. */
export const timelineEventSchema = z.object({
  f: z.string(),
  atMs: z.number(),
  value: z.unknown().optional(),
});

/** A fault from the event that caused it to the one that ended it (`endMs` null: never ended). */
export const timelineIntervalSchema = z.object({
  f: z.string(),
  startMs: z.number(),
  endMs: z.number().nullable(),
  /** the event that ended it, e.g. `heal` */
  until: z.string().nullable(),
});

export const drillTimelineSchema = z.object({
  /** logical client processes, one lane each, ascending */
  processes: z.array(z.int().nonnegative()),
  ops: z.array(timelineOpSchema),
  nemesis: z.array(timelineEventSchema),
  intervals: z.array(timelineIntervalSchema),
  /** the last time in the history */
  endMs: z.number(),
  /** operations in the history, and in `ops` */
  totalOps: z.int().nonnegative(),
  shownOps: z.int().nonnegative(),
  /** lines that could not be read as history events (the file is ours, so normally 0) */
  skippedLines: z.int().nonnegative(),
  /** why `ops` holds fewer than `totalOps` */
  note: z.string().optional(),
});

/** The run's kept history file. */
export const drillHistoryFileSchema = z.object({
  bytes: z.int().nonnegative(),
  /** `GET` it for the JSON-lines file as a download */
  url: z.string(),
});

/** `GET /api/drills/:id`: the run (as `GET /api/drills` lists it) with its history and timeline. */
export const drillViewSchema = drillRecordSchema.extend({
  /** null: no history kept (still running, ended before writing it, or deleted) */
  historyFile: drillHistoryFileSchema.nullable(),
  timeline: drillTimelineSchema.nullable(),
  /** why there is no timeline */
  timelineNote: z.string().optional(),
});

export type TimelineOp = z.infer<typeof timelineOpSchema>;
export type TimelineEvent = z.infer<typeof timelineEventSchema>;
export type TimelineInterval = z.infer<typeof timelineIntervalSchema>;
export type DrillTimeline = z.infer<typeof drillTimelineSchema>;
export type DrillHistoryFile = z.infer<typeof drillHistoryFileSchema>;
export type DrillView = z.infer<typeof drillViewSchema>;
