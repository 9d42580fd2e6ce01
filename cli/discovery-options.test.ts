import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  addDiscoveryOptions,
  discoveryConfigFromOptions,
  type DiscoveryCliOptions,
} from './discovery-options.ts';

function parse(args: string[], base = new Command('node')): DiscoveryCliOptions {
  const cmd = addDiscoveryOptions(base.exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

describe('cli discovery options', () => {
  it('cli discovery options — static seeds by default', () => {
    const config = discoveryConfigFromOptions(parse(['--seeds', '127.0.0.1:9101, 127.0.0.1:9102']));
    expect(config).toMatchObject({
      strategy: 'static',
      seeds: ['127.0.0.1:9101', '127.0.0.1:9102'],
    });
  });

  it('cli discovery options — gossip with defaults and overrides', () => {
    const config = discoveryConfigFromOptions(
      parse(['--discovery', 'gossip', '--gossip-port', '45000']),
    );
    expect(config).toMatchObject({
      strategy: 'gossip',
      port: 45_000,
      group: '239.255.42.99',
      intervalMs: 1_000,
    });
  });

  it('cli discovery options — dns uses the node port unless told otherwise', () => {
    const opts = parse([
      '--discovery',
      'dns',
      '--dns-name',
      'svc.local',
      '--dns-resolver',
      '127.0.0.1:5353',
    ]);
    expect(discoveryConfigFromOptions(opts, 9101)).toMatchObject({
      strategy: 'dns',
      query: 'svc.local',
      recordType: 'A',
      port: 9101,
      servers: ['127.0.0.1:5353'],
    });
  });

  it('cli discovery options — bad values fail with a message naming the option', () => {
    expect(() =>
      discoveryConfigFromOptions(parse(['--discovery', 'gossip', '--gossip-port', 'x'])),
    ).toThrow(/port/);
    expect(() => discoveryConfigFromOptions(parse(['--discovery', 'dns']))).toThrow(/query/);
    expect(() => discoveryConfigFromOptions(parse(['--discovery', 'mdns']))).toThrow(/strategy/);
    expect(() => discoveryConfigFromOptions(parse(['--seeds', 'nonsense']))).toThrow(
      /seeds\.0: expected host:port/,
    );
  });

  it('cli discovery options — keeps options the command already declares', () => {
    const base = new Command('node').option('--seeds <list>', 'existing');
    const cmd = addDiscoveryOptions(base);
    expect(cmd.options.filter((o) => o.long === '--seeds')).toHaveLength(1);
    expect(cmd.options.some((o) => o.long === '--dns-name')).toBe(true);
  });
});
