/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013) of chart rows that hold several
 * series on one time axis. Every series keeps the same timestamps, so lines never break at a row
 * another series kept: each bucket keeps the one row whose triangles, summed over the series (each
 * scaled to its own range so a small series counts as much as a big one), are the largest.
 */

/** A chart row: its time and one value per series key (missing or null: no value). */
export type Row = { readonly t: number } & Readonly<Record<string, number | null | undefined>>;

/**
 * At most `threshold` of `rows` (sorted by `t`), first and last always kept; `rows` itself when it
 * is already that short or `threshold` is under 3.
 */
export function downsampleRows<R extends Row>(
  rows: readonly R[],
  keys: readonly string[],
  threshold: number,
): readonly R[] {
  const n = rows.length;
  if (threshold >= n || threshold < 3) return rows;
  const value = (i: number, k: string): number | null => {
    const v = rows[i]![k];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const scale = keys.map((k) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = value(i, k);
      if (v === null) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi > lo ? 1 / (hi - lo) : 0;
  });
  const out: R[] = [rows[0]!];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let b = 0; b < threshold - 2; b++) {
    const start = Math.floor(b * every) + 1;
    const end = Math.floor((b + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
    // The third corner of every triangle: the mean of the next bucket, per series.
    let tNext = 0;
    for (let i = end; i < nextEnd; i++) tNext += rows[i]!.t;
    tNext /= nextEnd - end;
    const yNext = keys.map((k) => {
      let sum = 0;
      let count = 0;
      for (let i = end; i < nextEnd; i++) {
        const v = value(i, k);
        if (v === null) continue;
        sum += v;
        count += 1;
      }
      return count === 0 ? null : sum / count;
    });
    const tA = rows[a]!.t;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const tI = rows[i]!.t;
      let area = 0;
      keys.forEach((k, j) => {
        const yA = value(a, k);
        const yI = value(i, k);
        const yN = yNext[j]!;
        if (yA === null || yI === null || yN === null) return;
        area += Math.abs((tA - tNext) * (yI - yA) - (tA - tI) * (yN - yA)) * scale[j]!;
      });
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push(rows[best]!);
    a = best;
  }
  out.push(rows[n - 1]!);
  return out;
}

// The plot is the chart's width less its y axis (56 px) and right margin (32 px): chart-body.tsx.
const PLOT_INSET_PX = 88;
const POINTS_STEP = 200;

/**
 * How many points a plot in a panel `panelWidthPx` wide has room for, one per pixel, rounded down
 * to a whole step (at least one step) so that resizing the window rarely changes it.
 */
export function plotPoints(panelWidthPx: number): number {
  const plot = panelWidthPx - PLOT_INSET_PX;
  return Math.max(POINTS_STEP, Math.floor(plot / POINTS_STEP) * POINTS_STEP);
}
