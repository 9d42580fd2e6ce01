import { Command } from 'commander';
import { z } from 'zod';
import { CliOptionsError, formatIssues } from '../options.ts';
import { kebabIssues } from '../node/shards.ts';

/**
 * `observatory check FILE [--model register|counter] [--json]`: checks a history file (ours, or
 * converted from another system: docs/drills.md, "History") for linearizability. Exit status as
 * for the drills: 0 only on a pass, 1 on a failure or when the budget ran out (`unknown`), 2 on
 * bad options or bad input (the message names the line).
 */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be from ${min} to ${max}` });

const CheckSchema = z.object({
  file: z.string().min(1),
  model: z.enum(['register', 'counter'], { message: "must be 'register' or 'counter'" }),
  json: z.boolean(),
  maxStates: int(1, 1_000_000_000).optional(),
  timeMs: int(1, 86_400_000).optional(),
});

export function checkCommand(): Command {
  return new Command('check')
    .description('check a history file for linearizability; exit 0 only if it passes')
    .argument('<file>', 'history, one JSON object per line (docs/drills.md)')
    .option('--model <name>', 'register | counter', 'register')
    .option('--json', 'print the report as one JSON object on stdout', false)
    .option('--max-states <n>', 'states one key may search before its verdict is unknown')
    .option('--time-ms <ms>', 'time the whole check may take before it is unknown')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const parsed = CheckSchema.safeParse({ ...raw, file, json: raw.json === true });
      if (!parsed.success)
        throw new CliOptionsError('check', kebabIssues(formatIssues(parsed.error)));
      const o = parsed.data;
      const { modelNamed, formatLinearizability, CheckError } =
        await import('../../cluster/check/index.ts');
      const { checkHistoryFile } = await import('../drill/check-file.ts');
      let report;
      try {
        report = await checkHistoryFile(o.file, {
          model: modelNamed(o.model),
          ...(o.maxStates === undefined ? {} : { maxStates: o.maxStates }),
          ...(o.timeMs === undefined ? {} : { timeMs: o.timeMs }),
        });
      } catch (err) {
        // bad input is a usage error: the same status as a bad option
        const fsError = (err as NodeJS.ErrnoException).code?.startsWith('E') === true;
        if (err instanceof CheckError || fsError) {
          process.stderr.write(`observatory check: ${o.file}: ${(err as Error).message}\n`);
          process.exit(2);
        }
        throw err;
      }
      process.stdout.write(
        o.json ? `${JSON.stringify(report)}\n` : `${formatLinearizability(report)}\n`,
      );
      process.exit(report.verdict === 'pass' ? 0 : 1);
    });
}
