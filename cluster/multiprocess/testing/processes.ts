/**
 * Child processes for multi-process tests: each runs detached in its own process group so that a
 * test can signal exactly it (SIGKILL, SIGSTOP, SIGCONT) and `killAll()` can reap the whole group,
 * including anything the child started, even when a test fails half-way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineReader, wallNow } from './line-reader.ts';

/** The repository root, so tests can be run from any working directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI_ENTRY = resolve(REPO_ROOT, 'bin/observatory.mjs');

const STDERR_TAIL_CHARS = 8_000;

export interface ChildHandle {
  readonly label: string;
  readonly pid: number;
  readonly stdout: LineReader;
  /** the last few KiB the child wrote to stderr, for failure messages */
  stderrTail(): string;
  /** sends `signal` to the child's whole process group; returns the wall-clock time it was sent */
  signal(signal: NodeJS.Signals): number;
  /** resolves with the exit code (or the signal name) once the child has exited */
  readonly exited: Promise<number | string>;
  /** writes one line to the child's stdin */
  writeLine(line: string): void;
  readonly process: ChildProcess;
}

const live = new Set<ChildHandle>();

/**
 * Starts `command args` detached with piped stdio and registers it for `killAll()`. The child
 * inherits this process's environment, or gets exactly `options.env` when given.
 */
export function spawnChild(
  label: string,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ChildHandle {
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? REPO_ROOT,
    // undefined: spawn's default, this process's environment (Next's types require NODE_ENV)
    env: options.env as NodeJS.ProcessEnv | undefined,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${label}: spawn failed`);
  const pid = child.pid;
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  // An EPIPE on stdin of a child that already died must not crash the test runner.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, sig) => resolveExit(code ?? sig ?? 'unknown'));
  });
  const handle: ChildHandle = {
    label,
    pid,
    stdout: new LineReader(child.stdout, label),
    stderrTail: () => stderr,
    signal(sig) {
      const at = wallNow();
      try {
        process.kill(-pid, sig);
      } catch {
        // The group is already gone: nothing left to signal.
      }
      return at;
    },
    exited,
    writeLine(line) {
      child.stdin?.write(`${line}\n`);
    },
    process: child,
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** Starts a CLI subcommand: `node bin/observatory.mjs <args>`. */
/** `env`, when given, is the child's whole environment (see `spawnChild`). */
export function spawnCli(
  label: string,
  args: readonly string[],
  env?: Record<string, string>,
): ChildHandle {
  return spawnChild(
    label,
    process.execPath,
    [CLI_ENTRY, ...args],
    env === undefined ? {} : { env },
  );
}

/** Starts a TypeScript fixture script through tsx. */
export function spawnTsx(label: string, script: string, args: readonly string[]): ChildHandle {
  return spawnChild(label, process.execPath, ['--import', 'tsx', script, ...args]);
}

/**
 * SIGKILLs every child still alive (stopped ones too: SIGKILL needs no SIGCONT) and waits,
 * bounded, for them to exit. Call it in afterEach.
 */
export async function killAll(timeoutMs = 5_000): Promise<void> {
  const children = [...live];
  for (const child of children) child.signal('SIGKILL');
  await Promise.race([
    Promise.all(children.map((c) => c.exited)),
    new Promise((r) => setTimeout(r, timeoutMs).unref()),
  ]);
  live.clear();
}

/** Resolves with the child's exit status, or rejects after `timeoutMs`. */
export async function waitExit(child: ChildHandle, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      child.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${child.label} did not exit within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects a one-shot command's stdout, stderr and exit status. */
export async function runToEnd(
  child: ChildHandle,
  timeoutMs: number,
): Promise<{ status: number | string; stdout: string; stderr: string }> {
  const status = await waitExit(child, timeoutMs);
  // Let the pipes drain after exit.
  await new Promise((r) => setImmediate(r));
  return {
    status,
    stdout: child.stdout
      .all()
      .map((l) => l.text)
      .join('\n'),
    stderr: child.stderrTail(),
  };
}
