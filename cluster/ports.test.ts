import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, listenPortRange } from './ports.ts';

describe('ports', () => {
  it("ports — node ports lie below the kernel's ephemeral range, read from its file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-ports-'));
    try {
      const file = join(dir, 'range');
      writeFileSync(file, '40000\t60999\n');
      expect(listenPortRange(file)).toEqual([27_999, 39_999]);
      // unreadable: Linux's default range start
      expect(listenPortRange(join(dir, 'missing'))).toEqual([20_767, 32_767]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ports — freePort gives a port a node can listen on, outside the ephemeral range', async () => {
    const [min, max] = listenPortRange();
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(min);
    expect(port).toBeLessThanOrEqual(max);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
