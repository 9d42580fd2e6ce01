/** Real observatory server processes on one PostgreSQL database, for the multi-server tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LISTENING_LINE_PREFIX } from '../../../protocol/constants.ts';
import { PROJECT_ROOT } from '../../paths.ts';

const SCRIPT = fileURLToPath(new URL('./server-process.ts', import.meta.url));
/** A server start on a loaded two-core machine (tsx compile, migrations, adapter). */
const START_TIMEOUT_MS = 60_000;

export interface ServerSettings {
  readonly databaseUrl: string;
  readonly adminToken: string;
  readonly agentToken: string;
  readonly rollupEveryMs: number;
  readonly drillHistoryDir: string;
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL to the process group; resolves when it exited. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 10 s; resolves when it exited. */
  stop(): Promise<void>;
}

export async function startServerProcess(settings: ServerSettings): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  child.stdin.end(JSON.stringify(settings));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  const kill = async () => {
    signal('SIGKILL');
    await exited;
  };
  const stop = async () => {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start in ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      );
      child.stdout.on('data', () => {
        const match = new RegExp(`${LISTENING_LINE_PREFIX}(http://\\S+)`).exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${output}`));
      });
    });
    return { url, child, output: () => output, kill, stop };
  } catch (error) {
    await kill();
    throw error;
  }
}

/** A Prometheus sample's value, 0 when absent. */
export function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** Polls `probe` until it returns a value; bounded, so a broken setup fails instead of hanging. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: Error | undefined;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last.message})` : ''}`,
  );
}
