/** Stable colours: one per shard owner, and one per link state. */
import type { LinkState } from '../../protocol/model.ts';

/**
 * Distinguishable on light and dark backgrounds (Tableau 10, then Tableau 20's lighter tones),
 * without the reds: red means down, blackholed or conflicting on this dashboard.
 */
export const OWNER_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#a0cbe8',
  '#ffbe7d',
  '#8cd17d',
  '#86bcb6',
  '#f1ce63',
  '#d4a6c8',
  '#d7b5a6',
] as const;

export const UNOWNED_COLOR = '#8c959f';
export const CONFLICT_COLOR = '#cf222e';

/**
 * Assigns each node a palette colour by its position in the sorted list of names, so that the
 * same cluster always gets the same colours whatever order the model lists it in. Beyond the
 * palette's size, colours repeat (the legend and the title still name the owner).
 */
export function ownerColors(names: readonly string[]): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  return new Map(sorted.map((name, i) => [name, OWNER_PALETTE[i % OWNER_PALETTE.length]!]));
}

/** Colour of a shard cell: its owner's, grey when unowned. */
export function shardColor(owner: string | null, colors: ReadonlyMap<string, string>): string {
  return owner === null ? UNOWNED_COLOR : (colors.get(owner) ?? UNOWNED_COLOR);
}

export type LinkLook = 'up' | 'down' | 'blackholed' | 'asymmetric' | 'unknown';

/** What a link looks like: a blackhole wins over the state both ends report. */
export function linkLook(state: LinkState, blackholed: boolean): LinkLook {
  return blackholed ? 'blackholed' : state;
}

export const LINK_COLORS: Readonly<Record<LinkLook, string>> = {
  up: '#2da44e',
  down: '#cf222e',
  blackholed: '#1b1f24',
  asymmetric: '#bf8700',
  unknown: '#8c959f',
};

/** Fill of a partition side's island, by side index. */
export const SIDE_COLORS = ['#0969da', '#bf3989', '#1a7f37', '#9a6700'] as const;
export const sideColor = (i: number): string => SIDE_COLORS[i % SIDE_COLORS.length]!;
