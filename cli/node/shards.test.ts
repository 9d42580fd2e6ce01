import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACQUIRE_RETRY_MS,
  DEFAULT_DRIFT_MARGIN_MS,
  DEFAULT_HANDOFF_WAIT_MS,
  DEFAULT_LEASE_RPC_TIMEOUT_MS,
  DEFAULT_RENEW_INTERVAL_MS,
} from '../../cluster/shards/constants.ts';
import { CliOptionsError } from '../options.ts';
import { leaseTimings, parseShardOptions } from './shards.ts';

describe('cli/node/shards — options', () => {
  it('cli/node/shards — without --shards there is nothing to start', () => {
    expect(parseShardOptions({ members: 'a@h' })).toBeUndefined();
  });

  it('cli/node/shards — members, store and numbers are parsed', () => {
    const o = parseShardOptions({
      shards: true,
      members: 'a@127.0.0.1, b@127.0.0.1,,c@127.0.0.1',
      store: 'file:/tmp/x.db',
      shardCount: '16',
      leaseMs: '1200',
      lab: true,
    });
    expect(o).toMatchObject({
      members: ['a@127.0.0.1', 'b@127.0.0.1', 'c@127.0.0.1'],
      store: 'file:/tmp/x.db',
      shardCount: 16,
      leaseMs: 1200,
      lab: true,
      trustFenceOnly: false,
      unsafeNoFence: false,
    });
  });

  it('cli/node/shards — missing and bad values are named, all at once', () => {
    let error: unknown;
    try {
      parseShardOptions({ shards: true, members: 'a@h,nohost', shardCount: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliOptionsError);
    const message = (error as Error).message;
    expect(message).toContain('--members: each member must be name@host');
    expect(message).toContain('--store: is required with --shards');
    expect(message).toContain('--shard-count: must be an integer');
  });

  it('cli/node/shards — lease timings at 3000 ms are the library defaults', () => {
    expect(leaseTimings(3_000)).toEqual({
      leaseMs: 3_000,
      driftMarginMs: DEFAULT_DRIFT_MARGIN_MS,
      renewIntervalMs: DEFAULT_RENEW_INTERVAL_MS,
      acquireRetryMs: DEFAULT_ACQUIRE_RETRY_MS,
      leaseRpcTimeoutMs: DEFAULT_LEASE_RPC_TIMEOUT_MS,
      handoffWaitMs: DEFAULT_HANDOFF_WAIT_MS,
    });
  });

  it('cli/node/shards — short lab leases keep renewals inside the lease and a takeover inside one handoff wait', () => {
    for (const lease of [300, 1_200, 2_000]) {
      const t = leaseTimings(lease);
      expect(t.leaseMs).toBeGreaterThan(t.driftMarginMs + t.renewIntervalMs);
      expect(t.handoffWaitMs).toBeGreaterThan(t.leaseMs + t.driftMarginMs);
      expect(t.leaseRpcTimeoutMs).toBeLessThan(t.renewIntervalMs);
    }
  });
});
