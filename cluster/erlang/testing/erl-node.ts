/**
 * Test helpers: a real `erl` distributed node driven over stdin (each line an Erlang expression
 * the test itself wrote, its value sent back as term_to_binary hex), a private EPMD port, and a
 * HOME whose .erlang.cookie holds the cookie (so no cookie ever appears on a command line).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decode } from '../etf/decode.ts';
import type { Term } from '../terms.ts';

const run = promisify(execFile);
const MARK = '@@etf:';

const LOOP = `
Loop = fun L() ->
  case io:get_line("") of
    eof -> halt();
    Line ->
      R = try
        {ok, Toks, _} = erl_scan:string(Line),
        {ok, Exprs} = erl_parse:parse_exprs(Toks),
        {value, V, _} = erl_eval:exprs(Exprs, []),
        {ok, V}
      catch C:E -> {C, E} end,
      io:format("@@etf:~s~n", [binary:encode_hex(term_to_binary(R))]),
      L()
  end
end,
io:format("@@etf:~s~n", [binary:encode_hex(term_to_binary(ready))]),
Loop().`;

export { freePort } from '../../ports.ts';

/** A HOME directory whose .erlang.cookie is `cookie` (mode 0400, as erl demands). */
export function cookieHome(cookie: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'erl-home-'));
  writeFileSync(join(dir, '.erlang.cookie'), cookie, { mode: 0o400 });
  return dir;
}

export async function startEpmd(port: number): Promise<void> {
  await run('epmd', ['-port', String(port), '-daemon']);
  // -daemon returns before it listens
  for (let i = 0; i < 50; i++) {
    try {
      await run('epmd', ['-port', String(port), '-names']);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`epmd did not start on ${port}`);
}

export async function killEpmd(port: number): Promise<void> {
  await run('epmd', ['-port', String(port), '-kill']).catch(() => undefined);
}

export async function epmdNames(port: number): Promise<string> {
  const { stdout } = await run('epmd', ['-port', String(port), '-names'], {
    env: { ...process.env, ERL_EPMD_PORT: String(port) },
  });
  return stdout;
}

export interface ErlNodeOptions {
  readonly name: string;
  readonly epmdPort: number;
  readonly home: string;
  readonly ticktimeS?: number;
  readonly hidden?: boolean;
  /** more `erl` arguments (e.g. `-pa DIR`) */
  readonly extraArgs?: readonly string[];
}

/** A real `erl -name …` evaluating the expressions it is sent. */
export class ErlNode {
  readonly child: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];
  private partial = '';
  stderr = '';

  constructor(readonly options: ErlNodeOptions) {
    const args = [
      '-noshell',
      '-name',
      options.name,
      '-kernel',
      'net_ticktime',
      String(options.ticktimeS ?? 4),
    ];
    if (options.hidden === true) args.push('-hidden');
    args.push(...(options.extraArgs ?? []));
    this.child = spawn('erl', [...args, '-eval', LOOP], {
      env: { ...process.env, HOME: options.home, ERL_EPMD_PORT: String(options.epmdPort) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.partial += chunk;
      let i;
      while ((i = this.partial.indexOf('\n')) >= 0) {
        const line = this.partial.slice(0, i);
        this.partial = this.partial.slice(i + 1);
        if (!line.startsWith(MARK)) continue;
        const w = this.waiting.shift();
        if (w !== undefined) w(line.slice(MARK.length));
        else this.lines.push(line.slice(MARK.length));
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (c: string) => (this.stderr += c));
  }

  private next(timeoutMs: number): Promise<Term> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(decode(Buffer.from(line, 'hex')));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`erl ${this.options.name} did not answer; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      this.waiting.push((l) => {
        clearTimeout(timer);
        resolve(decode(Buffer.from(l, 'hex')));
      });
    });
  }

  /** Resolves once erl runs its loop. */
  async ready(): Promise<void> {
    await this.next(20_000);
  }

  /**
   * Evaluates `expr` (one line, ending with a full stop added here) in erl; resolves with
   * `{ok, Value}` or `{Class, Reason}` as a term.
   */
  async eval(expr: string, timeoutMs = 15_000): Promise<Term> {
    this.child.stdin.write(`${expr.replace(/\n/g, ' ')}.\n`);
    return this.next(timeoutMs);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await exited;
  }
}
