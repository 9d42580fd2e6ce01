import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErlFloat, Tuple, atom, formatTerm, termEquals } from '../../cluster/erlang/index.ts';
import { ErlNode, cookieHome, freePort, killEpmd } from '../../cluster/erlang/testing/erl-node.ts';
import { CookieFileError, readCookieFile } from '../cookie-file.ts';
import { parseErlangNodeOptions, resolveErlangCookie } from './erlang.ts';
import { parseTerms } from './erlang-term.ts';
import { CliOptionsError } from '../options.ts';

const BIN = fileURLToPath(new URL('../../bin/observatory.mjs', import.meta.url));

function cookieFile(content: string, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cookie-'));
  const path = join(dir, 'cookie');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe('cli erlang options', () => {
  it('cookie file — owner-only files are read and trimmed; group/world-readable ones refused', () => {
    expect(readCookieFile(cookieFile('abc\n', 0o400))).toBe('abc');
    expect(readCookieFile(cookieFile('abc', 0o600))).toBe('abc');
    expect(() => readCookieFile(cookieFile('abc', 0o640))).toThrow(/accessible by its owner only/);
    expect(() => readCookieFile(cookieFile('abc', 0o604))).toThrow(CookieFileError);
    expect(() => readCookieFile(cookieFile('  \n', 0o400))).toThrow(/empty/);
    expect(() => readCookieFile('/nonexistent/cookie')).toThrow(/does not exist/);
  });

  it('cookie — --cookie-file, then CLUSTER_COOKIE, then ~/.erlang.cookie', () => {
    const file = cookieFile('from-file', 0o400);
    const home = cookieHome('from-home');
    const env = { CLUSTER_COOKIE: 'from-env', HOME: home };
    expect(resolveErlangCookie({ cookieFile: file }, env, 'node')).toBe('from-file');
    expect(resolveErlangCookie({}, env, 'node')).toBe('from-env');
    expect(resolveErlangCookie({}, { HOME: home }, 'node')).toBe('from-home');
    expect(() => resolveErlangCookie({}, { HOME: '/nonexistent' }, 'node')).toThrow(
      CliOptionsError,
    );
  });

  it('options — a short name takes --host; a bad ERL_EPMD_PORT is named', () => {
    const raw = { name: 'ts1', host: '127.0.0.1', port: '9101', ticktime: '2000' };
    const o = parseErlangNodeOptions(raw, { CLUSTER_COOKIE: 'c', ERL_EPMD_PORT: '4400' }, false);
    expect(o).toMatchObject({ name: 'ts1@127.0.0.1', port: 0, epmdPort: 4400, ticktimeMs: 2000 });
    expect(() =>
      parseErlangNodeOptions(raw, { CLUSTER_COOKIE: 'c', ERL_EPMD_PORT: 'x' }, false),
    ).toThrow(/ERL_EPMD_PORT/);
    expect(() =>
      parseErlangNodeOptions({ ...raw, name: 'a@b@c' }, { CLUSTER_COOKIE: 'c' }, false),
    ).toThrow(/--name/);
  });

  it('remsh terms — literals only: numbers, atoms, strings, binaries, lists, tuples', () => {
    const [a, b, c, d] = parseTerms(`[1, -2, 3.5] {ok, 'Quoted atom'} "hi" <<"bin">>`);
    expect(termEquals(a!, [1, -2, new ErlFloat(3.5)])).toBe(true);
    expect(termEquals(b!, new Tuple([atom('ok'), atom('Quoted atom')]))).toBe(true);
    expect(c).toEqual([104, 105]);
    expect(formatTerm(d!)).toBe('<<"bin">>');
    expect(() => parseTerms('fun() -> ok end')).toThrow();
    expect(() => parseTerms('os:cmd("id")')).toThrow();
  });
});

describe('cli node --dist erlang against a real erl', () => {
  let child: ChildProcess | undefined;
  let erl: ErlNode | undefined;
  let epmdPort: number | undefined;
  afterEach(async () => {
    child?.kill('SIGCONT');
    child?.kill('SIGKILL');
    await erl?.stop();
    // an `erl -name` may have started an epmd daemon on the test's port: it outlives the test
    if (epmdPort !== undefined) await killEpmd(epmdPort);
    child = erl = epmdPort = undefined;
  });

  async function start(ticktimeMs: number) {
    epmdPort = await freePort();
    const file = cookieFile('cli-cookie', 0o400);
    const env = { ...process.env, ERL_EPMD_PORT: String(epmdPort), CLUSTER_COOKIE: '' };
    child = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--name',
        'ts1@127.0.0.1',
        '--dist',
        'erlang',
        '--cookie-file',
        file,
        '--ticktime',
        String(ticktimeMs),
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes(' up ')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`node exited ${code}`)));
    });
    erl = new ErlNode({
      name: 'checker@127.0.0.1',
      epmdPort,
      home: cookieHome('cli-cookie'),
      ticktimeS: ticktimeMs / 1000,
    });
    await erl.ready();
    expect(formatTerm(await erl.eval("net_adm:ping('ts1@127.0.0.1')"))).toBe('{ok,pong}');
    return { epmdPort, file, env };
  }

  const waitNodedown = () =>
    erl!.eval(
      "begin erlang:monitor_node('ts1@127.0.0.1', true), receive {nodedown, N} -> N after 15000 -> timeout end end",
      20_000,
    );

  it('cli erlang — remsh prints the reply in Erlang term syntax', async () => {
    const { file, env } = await start(4000);
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'remsh',
        'checker@127.0.0.1',
        '--dist',
        'erlang',
        '--cookie-file',
        file,
        '--command',
        'call erlang node',
      ],
      { env, encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.stdout.trim()).toBe("'checker@127.0.0.1'");
    expect(r.status).toBe(0);
  });

  it('cli erlang — monitor_node in erl sees SIGKILL of the TS node at once', async () => {
    await start(2000);
    const down = waitNodedown();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    child!.kill('SIGKILL');
    expect(formatTerm(await down)).toBe("{ok,'ts1@127.0.0.1'}");
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('cli erlang — monitor_node in erl sees a SIGSTOPped TS node within net_ticktime', async () => {
    await start(2000);
    const down = waitNodedown();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    child!.kill('SIGSTOP');
    expect(formatTerm(await down)).toBe("{ok,'ts1@127.0.0.1'}");
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(6000);
  });
});

describe('docs/erlang.md', () => {
  it('docs — the erl session runs as written against `observatory node --dist erlang`', async () => {
    const doc = readFileSync(
      fileURLToPath(new URL('../../docs/erlang.md', import.meta.url)),
      'utf8',
    );
    const blocks = [...doc.matchAll(/```erlang\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBe(2);
    // "(checker@127.0.0.1)N> command" lines, each followed by its expected output lines
    const steps = blocks.map((b) =>
      b
        .split(/^\(checker@127\.0\.0\.1\)\d+> /m)
        .slice(1)
        .map((s) => {
          const [command, ...out] = s.trimEnd().split('\n');
          return { command: command!, out };
        }),
    );
    const epmdPort = await freePort();
    const home = cookieHome('doc-cookie');
    const env = { ...process.env, HOME: home, ERL_EPMD_PORT: String(epmdPort), CLUSTER_COOKIE: '' };
    const node = spawn(
      process.execPath,
      [BIN, 'node', '--name', 'ts1@127.0.0.1', '--dist', 'erlang'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const shell = spawn('erl', ['-name', 'checker@127.0.0.1'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve) =>
        node.stdout.on('data', (c: Buffer) => c.toString().includes(' up ') && resolve()),
      );
      let output = '';
      shell.stdout.on('data', (c: Buffer) => (output += c.toString()));
      const until = async (pred: () => boolean) => {
        for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
      };
      const run = async (commands: { command: string }[], prompt: number) => {
        for (const s of commands) shell.stdin.write(`${s.command}\n`);
        await until(() => output.includes(`(checker@127.0.0.1)${prompt}>`));
      };
      await run(steps[0]!, steps[0]!.length + 1);
      node.kill('SIGINT');
      await new Promise((r) => node.once('exit', r));
      await run(steps[1]!, steps[0]!.length + steps[1]!.length + 1);
      // Every expected line that names no pid (those differ per run) and elides nothing appears.
      for (const s of [...steps[0]!, ...steps[1]!])
        for (const line of s.out)
          if (!/<\d+\.\d+\.\d+>|\.\.\./.test(line)) expect(output).toContain(line.trim());
      expect(output).toMatch(/Shell got \{<\d+\.3\.0>,"hello"\}/);
    } finally {
      node.kill('SIGKILL');
      shell.kill('SIGKILL');
      await killEpmd(epmdPort);
    }
  });
});

describe('agent on an erlang node', () => {
  it('agent — snapshots of a --dist erlang node count its Erlang link frames and ticks', async () => {
    const { attachAgent } = await import('../../agents/agent.ts');
    const { FakeTransport, fixedProcessStats } = await import('../../agents/testing/index.ts');
    const { startPair } = await import('../../cluster/erlang/testing/fixture.ts');
    const pair = await startPair({}, 2);
    const transport = new FakeTransport();
    const agent = attachAgent(pair.ts.agentView(), {
      url: 'http://127.0.0.1:1',
      token: 't',
      transport,
      processStats: fixedProcessStats,
    });
    try {
      transport.connect();
      await pair.erl.eval(
        "begin {echo, 'ts1@127.0.0.1'} ! {self(), binary:copy(<<1>>, 2000)}, receive _ -> ok after 5000 -> timeout end end",
      );
      await new Promise((r) => setTimeout(r, 1_600));
      const stored = [];
      for (let i = 0; i < 20 && transport.sent.length > 0; i++) stored.push(...transport.ackNext());
      const frames = stored.flatMap((s) => s.frames).filter((f) => f.peer === 'checker@127.0.0.1');
      expect(
        frames.some((f) => f.channel === 'send' && f.direction === 'in' && f.bytes > 2000),
      ).toBe(true);
      expect(
        frames.some((f) => f.channel === 'send' && f.direction === 'out' && f.bytes > 2000),
      ).toBe(true);
    } finally {
      await agent.detach();
      await pair.close();
    }
  });
});
