/**
 * The drill's clients (cli/drill/client.ts), one process each, spread over the lab's nodes, and
 * the history they write: each client appends to its own file; `mergeHistory` puts every line
 * and the drill's nemesis events in time order (the clients share the drill's monotonic clock)
 * and numbers them — the history format of docs/drills.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workload } from './client.ts';
import type { Completion } from './fault-ops.ts';
import type { LabNode } from './lab.ts';

const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/observatory.mjs');
/** a client that has not finished its final reads by then is killed (its lines are on disk) */
const STOP_TIMEOUT_MS = 20_000;
/** a client not connected by then fails the drill: a drill without its clients proves less */
const READY_TIMEOUT_MS = 60_000;

export interface ClientsOptions {
  readonly count: number;
  readonly nodes: readonly LabNode[];
  readonly cookie: string;
  readonly dir: string;
  readonly keys: number;
  readonly shardCount: number;
  /** the workloads every client runs, interleaved, each into its own history */
  readonly workloads: readonly Workload[];
  /** operations per second per client */
  readonly rate: number;
  readonly t0: bigint;
  readonly ticktimeMs: number;
}

/** A nemesis event for the history: the drill's phases (partition, heal, kill, …). */
export interface NemesisLine {
  readonly f: string;
  readonly value?: unknown;
  /** ns since t0 */
  readonly time: number;
}

export class Clients {
  private readonly procs: ChildProcess[] = [];
  private readonly readyAll: Promise<void>[] = [];
  /** per client: its node, whether it said `ready`, and the file its stderr goes to */
  private readonly status: { target: string; ready: boolean; stderr: string }[] = [];
  /** each workload's per-client history files */
  readonly files: Record<Workload, string[]> = { register: [], counter: [] };

  constructor(private readonly o: ClientsOptions) {}

  start(): void {
    for (let i = 0; i < this.o.count; i++) {
      const node = this.o.nodes[i % this.o.nodes.length]!;
      const fileArgs: string[] = [];
      for (const w of this.o.workloads) {
        const file = join(this.o.dir, `client${i}.${w}.jsonl`);
        this.files[w].push(file);
        fileArgs.push(`--${w}-history`, file);
      }
      // its stderr (diagnostics: start, every failed connect) into the drill's dir
      const stderr = join(this.o.dir, `client${i}.stderr`);
      const errFd = openSync(stderr, 'a');
      const child = spawn(
        process.execPath,
        [
          CLI_ENTRY,
          'drill-client',
          '--target',
          node.target,
          '--process',
          String(i),
          '--stride',
          String(this.o.count),
          '--keys',
          String(this.o.keys),
          '--rate',
          String(this.o.rate),
          '--seed',
          String(i + 1),
          ...fileArgs,
          '--shard-count',
          String(this.o.shardCount),
          '--t0',
          String(this.o.t0),
          '--ticktime',
          String(this.o.ticktimeMs),
          ...(i === 0 ? ['--final-reads'] : []),
        ],
        {
          // the cookie by environment, never argv; stdin is the client's lifeline
          env: { ...process.env, OBSERVATORY_DRILL_COOKIE: this.o.cookie },
          stdio: ['pipe', 'pipe', errFd],
        },
      );
      closeSync(errFd);
      this.procs.push(child);
      const status = { target: node.target, ready: false, stderr };
      this.status.push(status);
      this.readyAll.push(
        new Promise<void>((resolve) => {
          let out = '';
          child.stdout?.setEncoding('utf8').on('data', (c: string) => {
            out += c;
            if (out.includes('ready\n')) {
              status.ready = true;
              resolve();
            }
          });
          child.once('exit', () => resolve());
        }),
      );
    }
  }

  /**
   * Resolves when every client has connected to its node (or exited); throws after `timeoutMs`:
   * the drill breaks nothing before its clients are there to see it.
   */
  async ready(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const all = await Promise.race([
      Promise.all(this.readyAll).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!all)
      throw new Error(
        `the drill clients did not all connect within ${timeoutMs} ms: ${this.notReady().join('; ')}`,
      );
  }

  /** Why each client that is not ready is not: its node and the last line of its stderr. */
  private notReady(): string[] {
    return this.status.flatMap((s, i) => {
      if (s.ready) return [];
      const p = this.procs[i]!;
      const lines = existsSync(s.stderr) ? readFileSync(s.stderr, 'utf8').trim().split('\n') : [];
      const failed = lines.filter((l) => l.includes('"connect-failed"')).length;
      const exited =
        p.exitCode !== null || p.signalCode !== null
          ? `, exited ${p.exitCode ?? p.signalCode}`
          : '';
      return [
        `client ${i} (pid ${p.pid}) to ${s.target}${exited}: ${failed} failed connects, last: ${lines.at(-1) || 'no output'}`,
      ];
    });
  }

  /** Ends every client's stdin and waits for them (final reads included), bounded. */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = once(p, 'exit');
        p.stdin?.end();
        const timer = setTimeout(() => p.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Operations the clients completed (ok, fail or info) at or after `time` (ns since t0). */
  completedSince(time: number): number {
    let n = 0;
    for (const file of [...this.files.register, ...this.files.counter]) {
      if (!existsSync(file)) continue;
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        // a line being written may be torn: it is counted at the next poll
        if (!text.includes('"type":"invoke"') && text.endsWith('}')) {
          const t = /"time":(\d+)/.exec(text);
          if (t && Number(t[1]) >= time) n++;
        }
      }
    }
    return n;
  }

  /** Every operation the clients completed (ok, fail or info), over every workload. */
  completions(): Completion[] {
    const out: Completion[] = [];
    for (const file of [...this.files.register, ...this.files.counter]) {
      if (!existsSync(file)) continue;
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        // a client SIGKILLed at its stop timeout may leave a torn last line
        if (text === '' || !text.endsWith('}')) continue;
        const { type, time } = JSON.parse(text) as { type: string; time: number };
        if (type === 'ok' || type === 'fail' || type === 'info') out.push({ type, time });
      }
    }
    return out;
  }

  kill(): void {
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
  }
}

/** Writes the merged, numbered history of `files` and `nemesis` to `out`; returns the line count. */
export function mergeHistory(
  files: readonly string[],
  nemesis: readonly NemesisLine[],
  out: string,
): number {
  const events: { time: number; order: number; line: Record<string, unknown> }[] = [];
  let order = 0;
  for (const n of nemesis)
    events.push({
      time: n.time,
      order: order++,
      line: {
        process: 'nemesis',
        type: 'info',
        f: n.f,
        ...(n.value === undefined ? {} : { value: n.value }),
      },
    });
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (text === '') continue;
      const { time, ...rest } = JSON.parse(text) as { time: number } & Record<string, unknown>;
      events.push({ time, order: order++, line: rest });
    }
  }
  // a client's own lines are already in time order; the sort is stable across equal times
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  const lines = events.map((e, index) => JSON.stringify({ index, ...e.line, time: e.time }));
  writeFileSync(out, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  return lines.length;
}
