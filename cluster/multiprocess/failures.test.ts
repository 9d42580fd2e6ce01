/**
 * Failure detection between real processes: a killed peer (socket reset), a frozen peer
 * (SIGSTOP: only the ticktime can tell), its return (SIGCONT), and a clean stop (SIGTERM).
 * Bounds are generous so that a loaded 2-core machine passes; the strict figures are in the bench.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCliNode, startObserver, type StartedNode } from './testing/cli-nodes.ts';
import { killAll, waitExit } from './testing/processes.ts';

const EVENT_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 90_000;
/** The issue asks for 50 ms (see the mesh bench); this bound only catches a detector that waits for a tick, with room for a loaded CI machine. */
const KILL_DETECTION_BOUND_MS = 1_000; // a tick-waiting detector needs ≥ 0.75 × 2 s
const TICKTIME_MS = 2_000;

afterEach(async () => {
  await killAll();
});

const nodeup = (n: StartedNode, peer: string) =>
  n.child.stdout.event('nodeup', { node: peer }, EVENT_TIMEOUT_MS);

interface DownLine {
  reason: string;
  at: number;
  lastFrameAt: number | null;
}

describe('multiprocess failures', () => {
  it(
    'multiprocess failures — SIGKILL of a peer is seen at once as connection_closed',
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      await Promise.all([nodeup(a, b.name), nodeup(b, a.name)]);

      const killedAt = b.child.signal('SIGKILL');
      const down = await a.child.stdout.event<DownLine>(
        'nodedown',
        { node: b.name },
        EVENT_TIMEOUT_MS,
      );
      const seenMs = down.value.at - killedAt;
      const printedMs = down.receivedAt - killedAt;
      console.log(
        `SIGKILL → nodedown: ${seenMs.toFixed(1)} ms (event at), ${printedMs.toFixed(1)} ms (line read)`,
      );
      expect(down.value.reason).toBe('connection_closed');
      // `at` is whole milliseconds from the node's clock, so allow for that rounding.
      expect(seenMs).toBeGreaterThan(-1);
      expect(printedMs).toBeLessThan(KILL_DETECTION_BOUND_MS);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess failures — a SIGSTOPped peer is down 0.75–1.25 ticktimes after its last frame, and back after SIGCONT',
    async () => {
      const observer = await startObserver('observer', TICKTIME_MS);
      const peer = await startCliNode('peer', { seeds: [observer], ticktimeMs: TICKTIME_MS });
      await Promise.all([nodeup(observer, peer.name), nodeup(peer, observer.name)]);
      // Let ticks flow both ways for a while so the link is in its steady state.
      await new Promise((r) => setTimeout(r, TICKTIME_MS / 2));

      const stoppedAt = peer.child.signal('SIGSTOP');
      const down = await observer.child.stdout.event<DownLine>(
        'nodedown',
        { node: peer.name },
        EVENT_TIMEOUT_MS,
      );
      expect(down.value.reason).toBe('timeout');
      expect(down.value.lastFrameAt).not.toBeNull();
      const sinceLastFrame = down.value.at - (down.value.lastFrameAt ?? 0);
      const sinceStop = down.value.at - stoppedAt;
      console.log(
        `SIGSTOP → nodedown: ${sinceLastFrame.toFixed(0)} ms after the last frame ` +
          `(${(sinceLastFrame / TICKTIME_MS).toFixed(2)} ticktimes), ${sinceStop.toFixed(0)} ms after the stop`,
      );
      expect(sinceLastFrame).toBeGreaterThanOrEqual(0.75 * TICKTIME_MS);
      expect(sinceLastFrame).toBeLessThanOrEqual(1.25 * TICKTIME_MS);

      const continuedAt = peer.child.signal('SIGCONT');
      const up = await nodeup(observer, peer.name);
      console.log(`SIGCONT → nodeup again: ${(up.receivedAt - continuedAt).toFixed(0)} ms`);
      await peer.child.stdout.event('nodeup', { node: observer.name }, EVENT_TIMEOUT_MS);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess failures — SIGTERM closes a node cleanly and its peer sees it go',
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      await Promise.all([nodeup(a, b.name), nodeup(b, a.name)]);

      b.child.signal('SIGTERM');
      await b.child.stdout.event('stopped', { node: b.name }, EVENT_TIMEOUT_MS);
      expect(await waitExit(b.child, EVENT_TIMEOUT_MS)).toBe(0);
      const down = await a.child.stdout.event<DownLine>(
        'nodedown',
        { node: b.name },
        EVENT_TIMEOUT_MS,
      );
      expect(['connection_closed', 'disconnect', 'shutdown']).toContain(down.value.reason);
    },
    TEST_TIMEOUT_MS,
  );
});
