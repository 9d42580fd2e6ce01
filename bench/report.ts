/**
 * The benchmark contract and output. A bench is `bench/<name>.bench.ts` whose default export is a
 * `BenchFn`; `bench/run.ts` loads it, and prints the rows it returns with `formatReport`: a table
 * for people, or with `--json` one JSON object per line for machines.
 */

/** One measured figure. `--json` prints exactly this object, one per line. */
export interface BenchRow {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** the same figure for the baseline, measured in the same run */
  readonly baseline?: number;
  /** value / baseline */
  readonly ratio?: number;
  /** the target from the issue, for people */
  readonly target?: string;
  readonly pass?: boolean;
  /** why a figure is missing or odd */
  readonly note?: string;
}

/** `bench metric (value unit, target …)` of every row whose target was missed. */
export function missedTargets(rows: readonly BenchRow[]): string[] {
  return rows
    .filter((r) => r.pass === false)
    .map((r) => `${r.bench} ${r.metric} (${r.value} ${r.unit}, target ${r.target ?? '?'})`);
}

/** What `bench/run.ts` hands a bench. */
export interface BenchContext {
  /** `--json` was given (the runner prints; a bench only needs it to keep stdout clean) */
  readonly json: boolean;
  /** `--quick`: a smoke run, not a measurement */
  readonly quick: boolean;
  /** every argument after the bench name, for bench-specific flags */
  readonly args: readonly string[];
  /** progress lines; they go to stderr so stdout stays a table or JSON */
  readonly log: (line: string) => void;
}

/** A bench returns its rows (printed by the runner) or prints them itself and returns nothing. */
export type BenchFn = (context: BenchContext) => Promise<readonly BenchRow[] | void>;

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

/** Rows as an aligned text table; columns that no row uses are left out. */
export function formatTable(rows: readonly BenchRow[]): string {
  const columns: { title: string; cell: (r: BenchRow) => string }[] = [
    { title: 'bench', cell: (r) => r.bench },
    { title: 'metric', cell: (r) => r.metric },
    { title: 'value', cell: (r) => formatNumber(r.value) },
    { title: 'unit', cell: (r) => r.unit },
    { title: 'baseline', cell: (r) => formatNumber(r.baseline) },
    { title: 'ratio', cell: (r) => (r.ratio === undefined ? '' : r.ratio.toFixed(2)) },
    { title: 'target', cell: (r) => r.target ?? '' },
    { title: 'result', cell: (r) => (r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL') },
    { title: 'note', cell: (r) => r.note ?? '' },
  ];
  const used = columns.filter((c, i) => i < 4 || rows.some((r) => c.cell(r) !== ''));
  const cells = rows.map((r) => used.map((c) => c.cell(r)));
  const widths = used.map((c, i) =>
    Math.max(c.title.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(used.map((c) => c.title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

/** One JSON object per line, keys in a stable order, absent optional keys omitted. */
export function formatJsonLines(rows: readonly BenchRow[]): string {
  return rows
    .map((r) => {
      const { bench, metric, value, unit, baseline, ratio, ...rest } = r;
      return JSON.stringify({ bench, metric, value, unit, baseline, ratio, ...rest });
    })
    .join('\n');
}

/** The runner's output for `rows`, ending with a newline (nothing at all for no rows). */
export function formatReport(rows: readonly BenchRow[], json: boolean): string {
  if (rows.length === 0) return '';
  return `${json ? formatJsonLines(rows) : formatTable(rows)}\n`;
}

/** A row with `ratio` computed from `value` and `baseline`. */
export function withRatio(row: Omit<BenchRow, 'ratio'> & { baseline: number }): BenchRow {
  return { ...row, ratio: row.baseline === 0 ? Number.NaN : row.value / row.baseline };
}
