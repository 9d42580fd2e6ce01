import { describe, expect, it } from 'vitest';
import {
  formatJsonLines,
  formatReport,
  formatTable,
  missedTargets,
  withRatio,
  type BenchRow,
} from './report.ts';

const rows: BenchRow[] = [
  withRatio({
    bench: 'x',
    metric: 'send 100 B',
    value: 1_500_000,
    unit: 'msg/s',
    baseline: 3_000_000,
  }),
  { bench: 'x', metric: 'rss', value: 12.5, unit: 'MiB' },
];

describe('bench report', () => {
  it('bench report — JSON lines carry the contract keys, omit absent ones, one object per line', () => {
    const lines = formatJsonLines(rows).split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({
      bench: 'x',
      metric: 'send 100 B',
      value: 1_500_000,
      unit: 'msg/s',
      baseline: 3_000_000,
      ratio: 0.5,
    });
    expect(Object.keys(JSON.parse(lines[1]!) as object)).toEqual([
      'bench',
      'metric',
      'value',
      'unit',
    ]);
  });

  it('bench report — the table aligns columns and drops ones no row uses', () => {
    const table = formatTable(rows).split('\n');
    expect(table[0]).toBe('bench  metric      value  unit   baseline  ratio');
    expect(table[2]).toBe('x      send 100 B  1.50M  msg/s  3.00M     0.50');
    expect(table[3]).toBe('x      rss         12.50  MiB');
    expect(formatTable([{ ...rows[1]!, pass: false }]).split('\n')[2]).toMatch(/FAIL$/);
  });

  it('bench report — prints nothing for no rows', () => {
    expect(formatReport([], true)).toBe('');
    expect(formatReport(rows, true).endsWith('\n')).toBe(true);
  });

  it('bench report — a missed target is named, rows without a verdict are not', () => {
    expect(missedTargets(rows)).toEqual([]);
    const missed = missedTargets([
      ...rows,
      { bench: 'ingest', metric: 'kept', value: 3, unit: 'runs', target: 'all', pass: false },
      { bench: 'ingest', metric: 'lag', value: 10, unit: 'ms', target: '< 1000', pass: true },
    ]);
    expect(missed).toEqual(['ingest kept (3 runs, target all)']);
  });
});
