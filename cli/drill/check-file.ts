/**
 * Reads a history file line by line into the checker's push parser (a million operations never
 * sit in memory as one string) and checks it. Used by `observatory check` and by the drills.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  checkLinearizability,
  HistoryParser,
  type LinearizabilityReport,
  type Model,
} from '../../cluster/check/index.ts';

export interface CheckFileOptions {
  readonly model: Model;
  readonly maxStates?: number;
  readonly timeMs?: number;
}

/** Throws HistoryFormatError (with the line) on bad input, or the file system's error. */
export async function checkHistoryFile(
  path: string,
  options: CheckFileOptions,
): Promise<LinearizabilityReport> {
  const parser = new HistoryParser(options.model);
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) parser.push(line);
  return checkLinearizability(parser.finish(), {
    model: options.model,
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    ...(options.timeMs === undefined ? {} : { timeMs: options.timeMs }),
  });
}
