/**
 * The history checker: the Jepsen-shaped history format (history.ts), sequential models
 * (models.ts), the Wing–Gong–Lowe search (search.ts), failure windows (window.ts) and the
 * per-key check with a budget (check.ts). Pure: no I/O, no clock but an injected one.
 * See docs/drills.md, "History" and "The linearizability checker".
 */
export * from './constants.ts';
export * from './errors.ts';
export {
  HistoryParser,
  parseHistory,
  formatEvent,
  type EventType,
  type History,
  type HistoryEvent,
  type NemesisEvent,
  type Operation,
} from './history.ts';
export {
  registerModel,
  counterModel,
  modelNamed,
  MODEL_NAMES,
  type Model,
  type ModelName,
  type ModelOp,
  type Primitive,
} from './models.ts';
export {
  searchLinearization,
  type SearchBudget,
  type SearchOp,
  type SearchResult,
} from './search.ts';
export { findWindow, type Window } from './window.ts';
export {
  checkLinearizability,
  formatLinearizability,
  type CheckOptions,
  type KeyFailure,
  type LinearizabilityReport,
  type Verdict,
  type WindowOp,
} from './check.ts';
