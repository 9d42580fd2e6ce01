/**
 * `observatory node --tls-cert --tls-key --tls-ca` and `--observatory-ca`, as a user runs them:
 * a real node process with certificates made by `openssl`, probed over real sockets by nodes
 * holding the right certificate, one from a foreign CA and one issued for another name; and the
 * agent streaming to an https observatory it trusts only through the given CA.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode, TlsOptions } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import { START_TIMEOUT_MS } from '../../cluster/multiprocess/testing/cli-nodes.ts';
import {
  killAll,
  runToEnd,
  spawnCli,
  type ChildHandle,
} from '../../cluster/multiprocess/testing/processes.ts';
import { TestPki } from '../../cluster/testing/tls.ts';
import { AGENT_NAMESPACE, SOCKET_IO_PATH } from '../../protocol/agent.ts';

const COOKIE = 'cli-tls-test-cookie';
const AGENT_TOKEN = 'cli-tls-test-agent-token';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let dir = '';
let good: TlsOptions;
let peer: TlsOptions;
let foreign: TlsOptions;
let otherName: TlsOptions;
let local: ClusterNode[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-tls-'));
  const pki = new TestPki(dir);
  pki.ca('a');
  pki.ca('b');
  good = pki.issue('a', 'node', 'node', 'IP:127.0.0.1');
  peer = pki.issue('a', 'peer', 'peer', 'IP:127.0.0.1');
  foreign = pki.issue('b', 'foreign', 'foreign', 'IP:127.0.0.1');
  otherName = pki.issue('a', 'other', 'other', 'DNS:other.example,IP:127.0.0.2');
});
afterEach(async () => {
  await Promise.all(local.map((n) => n.close()));
  local = [];
  await killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tlsArgs(t: TlsOptions): string[] {
  return ['--tls-cert', t.certFile, '--tls-key', t.keyFile, '--tls-ca', t.caFile];
}

async function cliNode(
  name: string,
  args: string[],
): Promise<{ child: ChildHandle; target: string }> {
  const child = spawnCli(
    name,
    ['node', '--name', name, '--port', '0', '--events', 'json', ...args],
    {
      ...(process.env as Record<string, string>),
      CLUSTER_COOKIE: COOKIE,
      OBSERVATORY_AGENT_TOKEN: AGENT_TOKEN,
    },
  );
  const { value } = await child.stdout.event<{ port: number }>('listening', {}, START_TIMEOUT_MS);
  return { child, target: `127.0.0.1:${value.port}` };
}

async function probe(name: string, tls: TlsOptions): Promise<ClusterNode> {
  const n = await startNode({
    name,
    cookie: COOKIE,
    tls,
    handshakeTimeoutMs: 2_000,
    logger: quiet,
  });
  local.push(n);
  return n;
}

describe('cli node — mutual TLS between nodes', () => {
  it('cli tls — the good pair connects; a wrong CA and a certificate for another name are refused', async () => {
    const { target } = await cliNode('a', tlsArgs(good));
    expect(await (await probe('foreign', foreign)).connect(target)).toBe(false);
    expect(await (await probe('other', otherName)).connect(target)).toBe(false);
    const ok = await probe('peer', peer);
    expect(await ok.connect(target)).toBe(true);
    expect(ok.nodes()).toEqual(['a@127.0.0.1']);
  }, 60_000);

  it('cli tls — the flags come together or not at all, and must name readable files', async () => {
    const half = spawnCli(
      'half',
      ['node', '--name', 'h', '--port', '0', '--tls-cert', good.certFile],
      {
        ...(process.env as Record<string, string>),
        CLUSTER_COOKIE: COOKIE,
      },
    );
    expect(await half.exited).toBe(2);
    expect(half.stderrTail()).toContain('--tls-cert, --tls-key, --tls-ca: give all three');
    const missing = spawnCli(
      'missing',
      [
        'node',
        '--name',
        'm',
        '--port',
        '0',
        ...tlsArgs({ ...good, keyFile: join(dir, 'nope.key') }),
      ],
      { ...(process.env as Record<string, string>), CLUSTER_COOKIE: COOKIE },
    );
    expect(await missing.exited).toBe(2);
    expect(missing.stderrTail()).toContain(`--tls-key: cannot read ${join(dir, 'nope.key')}`);
  }, 60_000);
});

describe('cli remsh — into a TLS cluster', () => {
  it('cli tls — remsh with --tls-* reaches a TLS node; without them it is refused', async () => {
    const { target } = await cliNode('a', tlsArgs(good));
    const env = { ...(process.env as Record<string, string>), CLUSTER_COOKIE: COOKIE };
    const remsh = (extra: string[]) =>
      runToEnd(
        spawnCli(
          'remsh',
          ['remsh', `a@${target}`, '--command', 'nodes', '--timeout', '5000', ...extra],
          env,
        ),
        30_000,
      );
    const ok = await remsh(tlsArgs(peer));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('a@127.0.0.1');
    const plain = await remsh([]);
    expect(plain.status).not.toBe(0);
  }, 60_000);
});

describe('cli node — agent to an https observatory', () => {
  let https: HttpsServer;
  let io: Server;
  let url = '';
  const hellos: unknown[] = [];

  beforeAll(async () => {
    https = createServer({ cert: readFileSync(good.certFile), key: readFileSync(good.keyFile) });
    io = new Server(https, { path: SOCKET_IO_PATH });
    io.of(AGENT_NAMESPACE).on('connection', (socket) => hellos.push(socket.handshake.auth));
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const address = https.address();
    url = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await io.close();
  });

  it('cli tls — with --observatory-ca the agent connects over https; without it, it does not', async () => {
    // first without the CA: the observatory's certificate is not trusted, nothing connects
    await cliNode('u', ['--observatory', url]);
    await cliNode('t', ['--observatory', url, '--observatory-ca', good.caFile]);
    const names = () => hellos.map((h) => (h as { node?: string }).node);
    await expect.poll(names, { timeout: 20_000 }).toContain('t@127.0.0.1');
    // the untrusting node started first and retries every half second: it had its chances
    expect(names()).not.toContain('u@127.0.0.1');
  }, 60_000);
});
