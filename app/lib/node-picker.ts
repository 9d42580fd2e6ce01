/**
 * The compact controls of a large cluster: which nodes a filter matches, and which rows the
 * partition builder shows. At 100 nodes one button per node and side was ~300 buttons whose
 * style and layout the page paid for on every model push; the compact controls show a bounded
 * handful instead (see app/README.md, "Large clusters").
 */
import { shortName } from './format.ts';
import type { Side } from './partition.ts';

/** From this many nodes on, the node and partition controls are the compact ones. */
export const COMPACT_CONTROLS_MIN_NODES = 17;

/** How many unplaced nodes the compact partition builder lists at once. */
export const PICKER_ROWS_SHOWN = 8;

/**
 * The names a filter matches, in their order: a case-insensitive substring of the full name,
 * or, for a query without `@`, exactly the short name when one is that (so `n1` picks n1 and not
 * n10…n19 as well). Blank matches everything.
 */
export function matchNodes(names: readonly string[], query: string): string[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [...names];
  if (!q.includes('@')) {
    const exact = names.filter((n) => shortName(n).toLowerCase() === q);
    if (exact.length > 0) return exact;
  }
  return names.filter((n) => n.toLowerCase().includes(q));
}

/** What the compact partition builder lists: every placed node, then the first unplaced matches. */
export interface PickerRows {
  /** names to draw a side chooser for, in `names` order */
  readonly shown: string[];
  /** matches of the filter that are not shown (the person narrows the filter to reach them) */
  readonly more: number;
}

export function pickerRows(
  names: readonly string[],
  assignment: ReadonlyMap<string, Side>,
  query: string,
  limit: number = PICKER_ROWS_SHOWN,
): PickerRows {
  const matches = new Set(matchNodes(names, query));
  const shown: string[] = [];
  let unplaced = 0;
  let more = 0;
  for (const name of names) {
    const placed = (assignment.get(name) ?? null) !== null;
    if (placed) shown.push(name);
    else if (matches.has(name)) {
      if (unplaced < limit) {
        shown.push(name);
        unplaced++;
      } else more++;
    }
  }
  return { shown, more };
}

/** `assignment` with every name in `targets` put on `side` (null: taken off its side). */
export function placeAll(
  assignment: ReadonlyMap<string, Side>,
  targets: readonly string[],
  side: Side,
): Map<string, Side> {
  const next = new Map(assignment);
  for (const name of targets) next.set(name, side);
  return next;
}
