/**
 * Loopback ports for nodes that are given one (lab nodes, drill nodes, test and bench nodes).
 *
 * Ports are drawn below the kernel's ephemeral range. A port the kernel picked for a bind to
 * port 0 and then released is soon handed out again as the *source* port of some outgoing
 * connection (every client dial, every test's socket); a node binding it afterwards fails with
 * EADDRINUSE, at start or at a restart on the same port — seen under a loaded test suite. Below
 * the range, only another process choosing the same random port can collide, and the port is
 * checked free before it is handed out.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** Linux's default `ip_local_port_range` start, where the file cannot be read */
const DEFAULT_EPHEMERAL_MIN = 32_768;
const PORT_SPAN = 12_000;
const PORT_TRIES = 20;

/** The ports `freePort` draws from: `[min, max]`, just below the ephemeral range. */
export function listenPortRange(rangeFile = EPHEMERAL_RANGE_FILE): [number, number] {
  let ephemeralMin = DEFAULT_EPHEMERAL_MIN;
  try {
    const first = Number(readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 1_024) ephemeralMin = first;
  } catch {
    // not Linux: the default
  }
  const max = ephemeralMin - 1;
  return [Math.max(1_024, max - PORT_SPAN), max];
}

/** Whether `port` can be listened on at `host` right now. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * A port free at `host` now, from `listenPortRange()` (see above); the kernel's choice if none
 * of a few random ones is free.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [min, max] = listenPortRange();
  for (let i = 0; i < PORT_TRIES; i++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (await portFree(port, host)) return port;
  }
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
