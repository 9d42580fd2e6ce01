/**
 * The drill kinds, in one place: `observatory drill <kind>`, `drill all`, and what each defeats
 * among the negative controls (`--unsafe`).
 */
import { DRILL_KINDS, type DrillKind } from '../../protocol/http.ts';

/** every kind, as the HTTP API and the dashboard know them */
export const DRILLS = DRILL_KINDS;
export type DrillName = DrillKind;

/** nodes in each drill's lab unless --nodes says otherwise */
export const DEFAULT_NODES: Record<DrillName, number> = {
  'node-loss': 5,
  'split-brain': 5,
  pause: 3,
  isolate: 5,
  bridge: 5,
  flap: 5,
  'clock-jump': 3,
  random: 5,
};

/** `random`'s schedule length unless --duration says otherwise (and in `drill all`) */
export const DEFAULT_RANDOM_DURATION_MS = 60_000;
export const ALL_RANDOM_DURATION_MS = 20_000;

/**
 * Each negative control with the one drill measured to defeat it (docs/drills.md, "Negative
 * controls"): any other combination is refused rather than claimed to be caught. Shared with
 * the HTTP API (protocol/http.ts).
 */
export { DEFEATED_BY, type UnsafeSwitch } from '../../protocol/http.ts';
