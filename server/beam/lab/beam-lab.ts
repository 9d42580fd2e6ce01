/**
 * The BEAM lab: N real `erl` nodes (`b1@127.0.0.1`…) running the demo application, on the lab's
 * own EPMD, sharing a cookie made for this run. The cookie reaches them only through a file in
 * a private HOME (`.erlang.cookie`, mode 0400, as erl reads it), never through argv, which `ps`
 * shows to every local user. Each node runs in its own process group so a kill reaches
 * everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabProcesses } from '../../lab/lab-processes.ts';
import {
  BEAM_LAB_HOST,
  BEAM_LAB_TICKTIME_S,
  BEAM_NODE_START_TIMEOUT_MS,
  BEAM_NODE_STOP_GRACE_MS,
} from '../constants.ts';
import { BeamNodeStartError } from '../errors.ts';
import type { BeamProxy } from '../proxy/beam-proxy.ts';
import { startLabEpmd, type LabEpmd } from './epmd.ts';
import { compileDemo, type ErlTools } from './erl.ts';

export interface BeamLabOptions {
  /** how many `erl` nodes; named b1, b2, … */
  readonly count: number;
  readonly tools: ErlTools;
  /** environment of the `erl` processes (HOME and ERL_EPMD_PORT are set on top); no secrets */
  readonly env: Readonly<Record<string, string>>;
  /** `-kernel net_ticktime` in seconds; default BEAM_LAB_TICKTIME_S */
  readonly ticktimeS?: number;
  /** `traffic` (default): the demo's broadcasts and calls; `idle`: the nodes only mesh */
  readonly demo?: 'traffic' | 'idle';
  /** the lab's EPMD; default startLabEpmd (the proxy's EPMD replaces it) */
  readonly epmd?: () => Promise<LabEpmd>;
  /** node output lines, prefixed with the node name */
  readonly log?: (line: string) => void;
}

interface Running {
  readonly name: string;
  child: ChildProcess | undefined;
  exited: Promise<void>;
}

/** An Erlang atom literal for a node name (quoted: names hold `@` and `.`). */
const atomLiteral = (name: string) => `'${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;

export class BeamLab extends LabProcesses<Running> {
  /** the run's cookie: kept in memory and in the private HOME's .erlang.cookie only */
  readonly cookie = randomBytes(16).toString('hex').toUpperCase();
  private home: string | undefined;
  private codeDir: string | undefined;
  private epmd: LabEpmd | undefined;

  constructor(private readonly options: BeamLabOptions) {
    super();
    for (let i = 1; i <= options.count; i++) {
      const name = `b${i}@${BEAM_LAB_HOST}`;
      this.nodes.set(name, { name, child: undefined, exited: Promise.resolve() });
    }
  }

  /** the distribution proxy the lab's links go through, once started (see `startLabEpmd`) */
  get proxy(): BeamProxy | undefined {
    return this.epmd?.proxy;
  }

  /** The EPMD port the nodes use (after start). */
  get epmdPort(): number {
    if (this.epmd === undefined) throw new Error('the BEAM lab is not started');
    return this.epmd.port;
  }

  /** Compiles the demo, starts the EPMD and every node; resolves when each printed ready. */
  async start(): Promise<void> {
    this.codeDir = await compileDemo(this.options.tools.erlc);
    this.home = mkdtempSync(join(tmpdir(), 'observatory-beam-home-'));
    writeFileSync(join(this.home, '.erlang.cookie'), this.cookie, { mode: 0o400 });
    this.epmd = await (this.options.epmd ?? startLabEpmd)();
    await Promise.all([...this.nodes.values()].map((r) => this.spawn(r)));
  }

  /** SIGTERM (erl runs init:stop()), SIGKILL after a grace period; then the EPMD and temp dirs. */
  async stop(): Promise<void> {
    await this.stopNodes(BEAM_NODE_STOP_GRACE_MS);
    await this.epmd?.close();
    for (const dir of [this.home, this.codeDir])
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }

  protected notALabNode(node: string): Error {
    return new BeamNodeStartError(node, 'not a node of this lab');
  }

  protected spawn(r: Running): Promise<void> {
    if (this.stopped || this.home === undefined || this.codeDir === undefined)
      return Promise.reject(new BeamNodeStartError(r.name, 'the lab is stopping'));
    const members = `[${this.names().map(atomLiteral).join(',')}]`;
    const mode = this.options.demo === 'idle' ? 'idle' : 'traffic';
    const args = [
      '-noshell',
      '-noinput',
      '-name',
      r.name,
      // the lab's EPMD is already listening; erl must not start a daemon of its own
      '-start_epmd',
      'false',
      '-kernel',
      'net_ticktime',
      String(this.options.ticktimeS ?? BEAM_LAB_TICKTIME_S),
      '-pa',
      this.codeDir,
      '-eval',
      `obs_demo:start(${members}, ${mode})`,
    ];
    const child = spawn(this.options.tools.erl, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...this.options.env,
        HOME: this.home,
        ERL_EPMD_PORT: String(this.epmdPort),
      } as unknown as NodeJS.ProcessEnv,
    });
    r.child = child;
    r.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const short = r.name.split('@')[0]!;
    const log = this.options.log ?? (() => {});
    // the last lines a node printed, for the error when it dies before it is ready
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line.slice(0, 500));
      if (tail.length > 5) tail.shift();
    };
    createInterface({ input: child.stderr }).on('line', (line) => {
      keep(line);
      log(`[${short}] ${line}`);
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new BeamNodeStartError(r.name, `no ready line within ${BEAM_NODE_START_TIMEOUT_MS} ms`),
        );
      }, BEAM_NODE_START_TIMEOUT_MS);
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('obs_demo ready ')) {
          clearTimeout(timer);
          resolve();
          return;
        }
        keep(line);
        log(`[${short}] ${line}`);
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new BeamNodeStartError(r.name, error.message));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const said = tail.length === 0 ? '' : `: ${tail.join(' | ')}`;
        reject(new BeamNodeStartError(r.name, `exited (${signal ?? code}) before ready${said}`));
      });
    });
  }
}
