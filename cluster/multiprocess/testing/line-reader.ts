/**
 * Reads a child's stdout line by line and lets a test wait for the first line that matches, with a
 * deadline. Every line keeps the wall-clock time it arrived, so tests can measure from a signal
 * they sent to the event line it caused.
 */
import type { Readable } from 'node:stream';

export interface ReceivedLine {
  readonly text: string;
  /** ms since epoch, sub-millisecond precision */
  readonly receivedAt: number;
}

export interface JsonLine<T = Record<string, unknown>> {
  readonly value: T;
  readonly receivedAt: number;
}

/** Raised when no matching line arrived in time; the message carries what did arrive. */
export class LineTimeoutError extends Error {
  readonly code = 'line_timeout';
}

/** Wall-clock time with sub-millisecond precision, comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

interface Waiter {
  readonly match: (line: ReceivedLine) => boolean;
  readonly resolve: (line: ReceivedLine) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_KEPT_LINES = 10_000;

export class LineReader {
  private readonly lines: ReceivedLine[] = [];
  /** lines already handed to a waiter; each line satisfies one wait only */
  private readonly consumed = new WeakSet<ReceivedLine>();
  private partial = '';
  private waiters: Waiter[] = [];
  private ended = false;

  constructor(
    stream: Readable,
    private readonly label: string,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.push(chunk));
    stream.on('end', () => this.end());
    stream.on('close', () => this.end());
  }

  /** Every line seen so far (bounded), for diagnostics. */
  all(): readonly ReceivedLine[] {
    return this.lines;
  }

  /**
   * Resolves with the first line that matches and that no earlier wait took, and takes it; so
   * concurrent waits may be satisfied in any order. Rejects after `timeoutMs` or when the stream
   * ends first.
   */
  next(match: (line: ReceivedLine) => boolean, timeoutMs: number): Promise<ReceivedLine> {
    const found = this.take(match);
    if (found !== undefined) return Promise.resolve(found);
    if (this.ended) return Promise.reject(this.failure('stream ended', match));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(this.failure(`no matching line within ${timeoutMs} ms`, match));
      }, timeoutMs);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  /** Like `next`, for lines that are JSON objects; non-JSON lines never match. */
  async nextJson<T = Record<string, unknown>>(
    match: (value: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<JsonLine<T>> {
    const line = await this.next((l) => {
      const value = parseJsonObject(l.text);
      return value !== undefined && match(value);
    }, timeoutMs);
    return { value: parseJsonObject(line.text) as T, receivedAt: line.receivedAt };
  }

  /** Waits for `{"event": name, ...fields}`; fields are compared with `===`. */
  event<T = Record<string, unknown>>(
    name: string,
    fields: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<JsonLine<T>> {
    return this.nextJson<T>(
      (v) => v.event === name && Object.entries(fields).every(([k, want]) => v[k] === want),
      timeoutMs,
    );
  }

  private push(chunk: string): void {
    const at = wallNow();
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const text of parts) {
      if (this.lines.length >= MAX_KEPT_LINES) this.lines.shift();
      this.lines.push({ text, receivedAt: at });
    }
    this.serve();
  }

  private serve(): void {
    for (const waiter of [...this.waiters]) {
      const found = this.take(waiter.match);
      if (found === undefined) continue;
      clearTimeout(waiter.timer);
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(found);
    }
  }

  private take(match: (line: ReceivedLine) => boolean): ReceivedLine | undefined {
    const line = this.lines.find((l) => !this.consumed.has(l) && match(l));
    if (line !== undefined) this.consumed.add(line);
    return line;
  }

  private end(): void {
    if (this.ended) return;
    if (this.partial !== '') this.push('\n');
    this.ended = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure('stream ended', waiter.match));
    }
    this.waiters = [];
  }

  private failure(why: string, _match: unknown): LineTimeoutError {
    const tail = this.lines
      .slice(-20)
      .map((l) => `  ${l.text}`)
      .join('\n');
    return new LineTimeoutError(`${this.label}: ${why}; last lines:\n${tail || '  (none)'}`);
  }
}

/** Parses a line that should hold one JSON object; anything else is undefined. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
