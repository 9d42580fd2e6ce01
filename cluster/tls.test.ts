import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode, TlsOptions } from './api.ts';
import { startNode } from './index.ts';
import { closeAll, COOKIE, targetOf } from './testing/index.ts';
import { TestPki } from './testing/tls.ts';

let dir = '';
const nodes: ClusterNode[] = [];
let pki: TlsOptions;
let otherPki: TlsOptions;
let otherName: TlsOptions;
let certs: TestPki;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-tls-'));
  certs = new TestPki(dir);
  certs.ca('a');
  certs.ca('b');
  pki = certs.issue('a', 'anode', 'node', 'IP:127.0.0.1');
  otherPki = certs.issue('b', 'bnode', 'node', 'IP:127.0.0.1');
  // the right CA, but issued for another host: it may not claim a name on 127.0.0.1
  otherName = certs.issue('a', 'elsewhere', 'elsewhere', 'DNS:elsewhere.example,IP:127.0.0.2');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => closeAll(nodes));

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

  it('tls — a certificate from the right CA but for another name is refused, both ways', async () => {
    const a = await startNode({ name: 'a', cookie: COOKIE, tls: pki, handshakeTimeoutMs: 500 });
    const impostor = await startNode({
      name: 'b',
      cookie: COOKIE,
      tls: otherName,
      handshakeTimeoutMs: 500,
    });
    nodes.push(a, impostor);
    expect(await impostor.connect(targetOf(a))).toBe(false);
    expect(await a.connect(targetOf(impostor))).toBe(false);
    expect(a.nodes({ hidden: true })).toEqual([]);
    expect(impostor.nodes({ hidden: true })).toEqual([]);
  });

  it('tls — a certificate whose CN is the full node name binds that name', async () => {
    const named = certs.issue('a', 'cnode', 'c@127.0.0.1', 'DNS:unrelated.example');
    const a = await startNode({ name: 'a', cookie: COOKIE, tls: pki });
    const c = await startNode({ name: 'c', cookie: COOKIE, tls: named });
    nodes.push(a, c);
    expect(await c.connect(targetOf(a))).toBe(true);
  });
});
