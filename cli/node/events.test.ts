import { describe, expect, it } from 'vitest';
import { formatListening, formatMembership } from './events.ts';

describe('cli node events', () => {
  it('cli node events — JSON lines always carry a reason key, null for nodeup', () => {
    const up = formatMembership({ event: 'nodeup', node: 'b@h', hidden: false, at: 5 }, 'json');
    const down = formatMembership(
      { event: 'nodedown', node: 'b@h', hidden: true, reason: 'timeout', at: 6 },
      'json',
    );
    expect(JSON.parse(up)).toEqual({
      event: 'nodeup',
      node: 'b@h',
      hidden: false,
      reason: null,
      at: 5,
    });
    expect(JSON.parse(down)).toEqual({
      event: 'nodedown',
      node: 'b@h',
      hidden: true,
      reason: 'timeout',
      at: 6,
    });
  });

  it('cli node events — text lines are short and name the reason', () => {
    expect(
      formatMembership(
        { event: 'nodedown', node: 'b@h', hidden: true, reason: 'timeout', at: 6 },
        'text',
      ),
    ).toBe('nodedown b@h (hidden) reason=timeout');
    expect(
      formatListening(
        { event: 'listening', node: 'a@h', host: 'h', port: 1, hidden: false, pid: 1, at: 0 },
        'text',
      ),
    ).toBe('a@h listening on h:1');
  });
});
