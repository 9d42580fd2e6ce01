/**
 * The clients' history of every drill the server runs, kept as a file named by the run's id in
 * one directory (`<id>.jsonl`, the JSON-lines format of docs/drills.md): the drill CLI writes it
 * (`--history`), the run's page draws it and offers it as a download. Bounded twice: a file is
 * deleted with its run (the store keeps the newest runs, drill-store.ts), and the directory is
 * held under a byte cap by deleting the oldest files first — the run then keeps its verdict and
 * report, only its history is gone.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { drillIdSchema, type DrillTimeline } from '../../protocol/http.ts';
import { TimelineBuilder, windowIndexes } from './timeline.ts';

/** Bytes of history files kept by default (`OBSERVATORY_DRILL_HISTORY_MAX_MB`, 512 MiB). */
export const DEFAULT_DRILL_HISTORY_MAX_BYTES = 512 * 1024 * 1024;
/** The directory's name beside a SQLite store, or under `./data` with PostgreSQL. */
export const DRILL_HISTORY_DIR_NAME = 'drill-histories';

const SUFFIX = '.jsonl';

export interface DrillHistoriesOptions {
  /** where the files live; created (mode 0700) when the first drill starts */
  readonly dir: string;
  /**
   * Total bytes kept.
   * @default DEFAULT_DRILL_HISTORY_MAX_BYTES
   */
  readonly maxBytes?: number;
  readonly log?: (line: string) => void;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

export class DrillHistories {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly log: (line: string) => void;

  constructor(options: DrillHistoriesOptions) {
    this.dir = options.dir;
    this.maxBytes = Math.max(0, options.maxBytes ?? DEFAULT_DRILL_HISTORY_MAX_BYTES);
    this.log = options.log ?? (() => {});
  }

  /**
   * The file of run `id`. Only a UUID names a file (ids come from URLs: nothing else may reach
   * the file system); throws ZodError otherwise.
   */
  path(id: string): string {
    return join(this.dir, `${drillIdSchema.parse(id)}${SUFFIX}`);
  }

  /** Creates the directory (private to the server's user: histories name nodes and keys). */
  prepare(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The file's size, or undefined when run `id` has no history file. */
  async size(id: string): Promise<number | undefined> {
    try {
      const s = await stat(this.path(id));
      return s.isFile() ? s.size : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Deletes the files of these runs (deleted runs); never throws. */
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      try {
        await unlink(this.path(id));
      } catch (error) {
        if (!isMissing(error)) this.log(`drills: history of ${id} not deleted: ${String(error)}`);
      }
    }
  }

  /**
   * Deletes the oldest files (by modification time) until the directory holds at most
   * {@link maxBytes}; returns the ids whose history was deleted. Never throws.
   */
  async enforceCap(): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith(SUFFIX));
    } catch (error) {
      if (!isMissing(error)) this.log(`drills: history dir not read: ${String(error)}`);
      return [];
    }
    const files: { id: string; bytes: number; mtimeMs: number }[] = [];
    for (const name of names) {
      const id = name.slice(0, -SUFFIX.length);
      if (!drillIdSchema.safeParse(id).success) continue;
      try {
        const s = await stat(join(this.dir, name));
        if (s.isFile()) files.push({ id, bytes: s.size, mtimeMs: s.mtimeMs });
      } catch {
        // deleted meanwhile
      }
    }
    files.sort((a, b) => b.mtimeMs - a.mtimeMs);
    let total = 0;
    const over: string[] = [];
    for (const f of files) {
      total += f.bytes;
      if (total > this.maxBytes) over.push(f.id);
    }
    if (over.length > 0) {
      await this.remove(over);
      this.log(`drills: ${over.length} history file(s) deleted (over ${this.maxBytes} bytes)`);
    }
    return over;
  }

  /**
   * The timeline of run `id`'s history, with the operations of the report's failing windows
   * marked; undefined when there is no file. Streams the file: bounded memory at any size.
   */
  async timeline(id: string, report: unknown): Promise<DrillTimeline | undefined> {
    if ((await this.size(id)) === undefined) return undefined;
    const builder = new TimelineBuilder({ window: windowIndexes(report) });
    const stream = createReadStream(this.path(id), { encoding: 'utf8' });
    try {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      for await (const line of lines) builder.push(line);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    } finally {
      stream.destroy();
    }
    return builder.finish();
  }
}
