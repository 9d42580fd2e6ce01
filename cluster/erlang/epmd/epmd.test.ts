import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../clock.ts';
import { EpmdError } from '../errors.ts';
import { epmdNames, freePort, killEpmd, startEpmd } from '../testing/erl-node.ts';
import { listNames, lookupNode, registerNode } from './client.ts';
import { parseRequest, alive2Request } from './protocol.ts';
import { startEmbeddedEpmd } from './server.ts';

const entry = (name: string, port: number) => ({
  name,
  port,
  nodeType: 77,
  protocol: 0,
  highestVersion: 6,
  lowestVersion: 6,
  extra: new Uint8Array(0),
});

describe('epmd protocol', () => {
  it('epmd — ALIVE2_REQ parses back to the entry it was built from', () => {
    const e = entry('ts1', 4242);
    const parsed = parseRequest(alive2Request(e));
    expect(parsed?.request).toEqual({ kind: 'alive2', entry: { ...e, extra: Buffer.alloc(0) } });
  });
});

describe('epmd client against the real epmd', () => {
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    await startEpmd(port);
  });
  afterAll(() => killEpmd(port));

  it('epmd — a registration is listed by `epmd -names` and found by PORT_PLEASE2 until closed', async () => {
    const addr = { host: '127.0.0.1', port, timeoutMs: 2000 };
    const reg = await registerNode(addr, entry('tsreg', 12345));
    expect(reg.creation).toBeGreaterThan(0);
    expect(await epmdNames(port)).toContain('name tsreg at port 12345');
    expect(await listNames(addr)).toContainEqual({ name: 'tsreg', port: 12345 });
    const found = await lookupNode(addr, 'tsreg');
    expect(found?.port).toBe(12345);
    expect(found?.highestVersion).toBe(6);
    await expect(registerNode(addr, entry('tsreg', 1))).rejects.toThrow(EpmdError);
    reg.close();
    for (let i = 0; i < 50 && (await lookupNode(addr, 'tsreg')) !== null; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await lookupNode(addr, 'tsreg')).toBeNull();
  });
});

describe('embedded epmd', () => {
  it('epmd — the embedded registry answers the real `epmd -names` and our client', async () => {
    const port = await freePort();
    const server = await startEmbeddedEpmd({ host: '127.0.0.1', port, logger: silentLogger });
    try {
      const addr = { host: '127.0.0.1', port, timeoutMs: 2000 };
      const reg = await registerNode(addr, entry('emb', 777));
      expect(await epmdNames(port)).toMatch(
        /up and running on port \d+ with data:\nname emb at port 777/,
      );
      expect((await lookupNode(addr, 'emb'))?.port).toBe(777);
      expect(await lookupNode(addr, 'nobody')).toBeNull();
      reg.close();
    } finally {
      await server.close();
    }
  });

  it('epmd — garbage and oversized requests close that connection only', async () => {
    const port = await freePort();
    const server = await startEmbeddedEpmd({ host: '127.0.0.1', port, logger: silentLogger });
    try {
      const { connect } = await import('node:net');
      await new Promise<void>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' }, () => s.write(Buffer.alloc(5000, 0xff)));
        s.on('error', () => {});
        s.on('close', () => resolve());
      });
      expect(await listNames({ host: '127.0.0.1', port, timeoutMs: 2000 })).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('embedded epmd with a registration hook', () => {
  it('epmd — lookups and NAMES answer the hook port, never the node own port; its end reaches the hook', async () => {
    const seen: string[] = [];
    const server = await startEmbeddedEpmd({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      hook: {
        registered: (node) => {
          seen.push(`+${node.name}:${node.port}@${node.host}`);
          // slower than a lookup sent at once: the registration is held until this settles
          return new Promise((r) => setTimeout(() => r(40_000 + node.port), 50));
        },
        unregistered: (name) => seen.push(`-${name}`),
      },
    });
    try {
      const addr = { host: '127.0.0.1', port: server.port, timeoutMs: 2000 };
      const reg = await registerNode(addr, entry('hooked', 777));
      expect(reg.creation).toBeGreaterThan(0);
      expect((await lookupNode(addr, 'hooked'))?.port).toBe(40_777);
      expect(await listNames(addr)).toEqual([{ name: 'hooked', port: 40_777 }]);
      expect(server.names().map((n) => n.port)).toEqual([40_777]);
      reg.close();
      for (let i = 0; i < 100 && !seen.includes('-hooked'); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['+hooked:777@127.0.0.1', '-hooked']);
      expect(await lookupNode(addr, 'hooked')).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('epmd — a registration the hook rejects, or a name with a host part, is refused', async () => {
    const server = await startEmbeddedEpmd({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      hook: { registered: () => Promise.reject(new Error('no')), unregistered: () => {} },
    });
    try {
      const addr = { host: '127.0.0.1', port: server.port, timeoutMs: 2000 };
      await expect(registerNode(addr, entry('refused', 1))).rejects.toThrow(EpmdError);
      await expect(registerNode(addr, entry('x@evil', 1))).rejects.toThrow(EpmdError);
      expect(await listNames(addr)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('epmd registration', () => {
  it('epmd — when the node running the embedded registry stops, the others register again', async () => {
    const { startErlangNode } = await import('../index.ts');
    const port = await freePort();
    const addr = { host: '127.0.0.1', port, timeoutMs: 2000 };
    const a = await startErlangNode({ name: 'owner@127.0.0.1', cookie: 'c', epmdPort: port });
    const b = await startErlangNode({ name: 'tenant@127.0.0.1', cookie: 'c', epmdPort: port });
    try {
      expect(a.embeddedEpmdPort).toBe(port);
      expect(b.embeddedEpmdPort).toBeUndefined();
      await a.close();
      let found = null;
      for (let i = 0; i < 100 && found === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        found = await lookupNode(addr, 'tenant').catch(() => null);
      }
      expect(found?.port).toBe(b.port);
      expect(b.embeddedEpmdPort).toBe(port);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
