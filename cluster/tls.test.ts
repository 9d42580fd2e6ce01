import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode, TlsOptions } from './api.ts';
import { startNode } from './index.ts';
import { COOKIE, targetOf } from './testing.ts';

let dir = '';
let nodes: ClusterNode[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 10_000 });
}

/** A CA and one certificate signed by it, as PEM files in the temp dir. */
function makePki(prefix: string): TlsOptions {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    `${prefix}ca.key`,
    '-out',
    `${prefix}ca.pem`,
    '-days',
    '1',
    '-subj',
    `/CN=${prefix}ca`,
  );
  openssl(
    'req',
    ...ec,
    '-keyout',
    `${prefix}node.key`,
    '-out',
    `${prefix}node.csr`,
    '-subj',
    '/CN=node',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${prefix}node.csr`,
    '-CA',
    `${prefix}ca.pem`,
    '-CAkey',
    `${prefix}ca.key`,
    '-CAcreateserial',
    '-out',
    `${prefix}node.pem`,
    '-days',
    '1',
  );
  return {
    certFile: join(dir, `${prefix}node.pem`),
    keyFile: join(dir, `${prefix}node.key`),
    caFile: join(dir, `${prefix}ca.pem`),
  };
}

let pki: TlsOptions;
let otherPki: TlsOptions;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-tls-'));
  pki = makePki('a');
  otherPki = makePki('b');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

describe('tls — encrypted links between nodes', () => {
  it('tls — two nodes with certificates from one CA connect and call', async () => {
    const a = await startNode({ name: 'a', cookie: COOKIE, tls: pki });
    const b = await startNode({ name: 'b', cookie: COOKIE, tls: pki });
    nodes.push(a, b);
    b.handle('whoami', () => b.name);
    expect(await a.connect(targetOf(b))).toBe(true);
    expect(await a.call(b.name, 'whoami', null)).toBe(b.name);
    const big = new Uint8Array(300_000).fill(7);
    let got = 0;
    b.register('big', (m) => (got = (m as Uint8Array).length));
    a.send({ name: 'big', node: b.name }, big);
    await expect.poll(() => got, { timeout: 3000 }).toBe(300_000);
  });

  it('tls — a plain-TCP node and a node with a foreign CA are refused', async () => {
    const a = await startNode({ name: 'a', cookie: COOKIE, tls: pki, handshakeTimeoutMs: 500 });
    const plain = await startNode({ name: 'plain', cookie: COOKIE, handshakeTimeoutMs: 500 });
    const foreign = await startNode({
      name: 'foreign',
      cookie: COOKIE,
      tls: otherPki,
      handshakeTimeoutMs: 500,
    });
    nodes.push(a, plain, foreign);
    expect(await plain.connect(targetOf(a))).toBe(false);
    expect(await foreign.connect(targetOf(a))).toBe(false);
    expect(a.nodes({ hidden: true })).toEqual([]);
  });
});
