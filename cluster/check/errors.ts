/**
 * Errors of the history checker: one class per condition with a stable `code`. Bad input is the
 * only failure a check can have (a budget running out is a verdict, `unknown`, not an error).
 */

export type CheckErrorCode = 'bad_history' | 'unknown_model';

export class CheckError extends Error {
  readonly code: CheckErrorCode;
  constructor(code: CheckErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A history line that is not valid JSON, or breaks the format (docs/drills.md, "History"). */
export class HistoryFormatError extends CheckError {
  /** 1-based line number in the file */
  readonly line: number;
  constructor(line: number, message: string, options?: { cause?: unknown }) {
    super('bad_history', `line ${line}: ${message}`, options);
    this.line = line;
  }
}

/** A model name the checker does not know. */
export class UnknownModelError extends CheckError {
  constructor(model: string) {
    super('unknown_model', `unknown model ${JSON.stringify(model)} (register or counter)`);
  }
}
