/**
 * The drill run view (`GET /api/drills/:id`): the run, its kept history file and the history as a
 * timeline — client operations from invoke to completion, nemesis events and the fault intervals
 * they bound — with the operations of the checker's failing windows marked. Times are ms since
 * the run's start (the history's own clock, monotonic nanoseconds, divided by 1e6).
 */
import { z } from 'zod';

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

const json = z.unknown();

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
  value: json,
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
  value: json.optional(),
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
export const drillViewSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.string(),
    startedAt: z.number(),
    finishedAt: z.number().optional(),
    report: z.record(z.string(), json).optional(),
    error: z.string().optional(),
    /** null: no history kept (still running, ran before histories were kept, or deleted) */
    historyFile: drillHistoryFileSchema.nullable(),
    timeline: drillTimelineSchema.nullable(),
    /** why there is no timeline */
    timelineNote: z.string().optional(),
  })
  .loose();

export type TimelineOp = z.infer<typeof timelineOpSchema>;
export type TimelineEvent = z.infer<typeof timelineEventSchema>;
export type TimelineInterval = z.infer<typeof timelineIntervalSchema>;
export type DrillTimeline = z.infer<typeof drillTimelineSchema>;
export type DrillHistoryFile = z.infer<typeof drillHistoryFileSchema>;
export type DrillView = z.infer<typeof drillViewSchema>;
