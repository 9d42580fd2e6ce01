/** How long each kind of history is kept and how often the store works; every value has a default. */
export interface HistoryConfig {
  /** raw 1 s snapshots; default 1 h */
  readonly rawRetentionMs: number;
  /** 10 s rollups; default 24 h */
  readonly rollup10RetentionMs: number;
  /** 1 min rollups; default 30 days */
  readonly rollup60RetentionMs: number;
  /** events and control audit; default 30 days */
  readonly eventRetentionMs: number;
  /** pending writes are flushed in one transaction at least this often; default 100 ms */
  readonly flushIntervalMs: number;
  /** a flush starts at once when this many snapshots wait; default 500 */
  readonly flushMaxSnapshots: number;
  /** rollup job period; default 10 s */
  readonly rollupEveryMs: number;
  /** a bucket is rolled up once it ended this long ago (late snapshots re-roll it); default 5 s */
  readonly rollupGraceMs: number;
  /** retention job period; default 60 s */
  readonly retentionEveryMs: number;
}

export const DEFAULT_HISTORY_CONFIG: HistoryConfig = {
  rawRetentionMs: 3_600_000,
  rollup10RetentionMs: 86_400_000,
  rollup60RetentionMs: 30 * 86_400_000,
  eventRetentionMs: 30 * 86_400_000,
  flushIntervalMs: 100,
  flushMaxSnapshots: 500,
  rollupEveryMs: 10_000,
  rollupGraceMs: 5_000,
  retentionEveryMs: 60_000,
};
