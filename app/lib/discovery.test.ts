import { describe, expect, it } from 'vitest';
import type { DiscoverySummary } from '../../protocol/telemetry.ts';
import { attemptText, discoveryTargets, nodesWithDiscovery } from './discovery.ts';
import { node } from './testing/fixtures.ts';

const summary = (over: Partial<DiscoverySummary> = {}): DiscoverySummary => ({
  strategy: 'static',
  targets: ['127.0.0.1:9102', '127.0.0.1:9103'],
  targetCount: 2,
  targetsAt: 1_000,
  attempts: [],
  connects: { ok: 0, failed: 0 },
  ignored: {},
  lastError: null,
  stats: {},
  ...over,
});

describe('discovery view', () => {
  it('discovery — targets are matched to nodes by address, linked from the node’s own view, with their latest attempt', () => {
    const a = node('a@h', {
      address: '127.0.0.1:9101',
      view: { nodes: ['b@h'], hidden: [] },
      discovery: summary({
        targets: ['127.0.0.1:9102', '127.0.0.1:9103'],
        attempts: [
          { target: '127.0.0.1:9103', attempt: 1, ok: false, error: 'refused', at: 1 },
          { target: '127.0.0.1:9102', attempt: 1, ok: true, durationMs: 3, at: 2 },
          { target: '127.0.0.1:9103', attempt: 2, ok: false, error: 'refused', at: 3 },
          { target: '127.0.0.1:9999', attempt: 4, ok: false, error: 'gone', at: 4 },
        ],
      }),
    });
    const b = node('b@h', { address: '127.0.0.1:9102' });
    const c = node('c@h', { address: '127.0.0.1:9103', discovery: null });
    const rows = discoveryTargets(a, [a, b, c]);
    expect(rows.map((r) => [r.target, r.node, r.linked, r.last?.attempt ?? null])).toEqual([
      ['127.0.0.1:9102', 'b@h', true, 1],
      ['127.0.0.1:9103', 'c@h', false, 2],
      // tried but no longer found: still listed with its last failure
      ['127.0.0.1:9999', null, false, 4],
    ]);
    expect(nodesWithDiscovery([a, b, c]).map((n) => n.name)).toEqual(['a@h']);
    expect(discoveryTargets(b, [a, b, c])).toEqual([]);
  });

  it('discovery — an attempt reads as in flight, ok with its time, or failed with reason and retry', () => {
    expect(attemptText({ target: 't', attempt: 1, ok: null, at: 0 })).toBe('connecting…');
    expect(attemptText({ target: 't', attempt: 1, ok: true, durationMs: 2.4, at: 0 })).toBe(
      'ok in 2 ms',
    );
    expect(
      attemptText({
        target: 't',
        attempt: 3,
        ok: false,
        durationMs: 1,
        error: 'connect ECONNREFUSED 127.0.0.1:9',
        retryInMs: 1_500,
        at: 0,
      }),
    ).toBe('failed in 1 ms: connect ECONNREFUSED 127.0.0.1:9 (retry in 2 s)');
  });
});
