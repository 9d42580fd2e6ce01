/** Errors of the BEAM lab and observer, one class per condition. */

/** `erl` or `erlc` is not on PATH. */
export class ErlNotFoundError extends Error {
  readonly code = 'ERL_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'ErlNotFoundError';
  }
}

/** `erlc` refused the demo application. */
export class DemoCompileError extends Error {
  readonly code = 'BEAM_DEMO_COMPILE_FAILED';
  constructor(output: string, options?: { cause?: unknown }) {
    super(`erlc could not compile the demo application: ${output.trim().slice(0, 2_000)}`, options);
    this.name = 'DemoCompileError';
  }
}

/** An `erl` node of the lab did not come up. */
export class BeamNodeStartError extends Error {
  readonly code = 'BEAM_NODE_START_FAILED';
  constructor(node: string, reason: string) {
    super(`BEAM node ${node} did not start: ${reason}`);
    this.name = 'BeamNodeStartError';
  }
}

/** A poll of a BEAM node did not answer in time or answered something unexpected. */
export class BeamPollError extends Error {
  readonly code = 'BEAM_POLL_FAILED';
  constructor(node: string, reason: string, options?: { cause?: unknown }) {
    super(`polling ${node} failed: ${reason}`, options);
    this.name = 'BeamPollError';
  }
}
