import { describe, expect, it } from 'vitest';
import { describeControl, errorMessage } from './api.ts';

describe('api', () => {
  it('api — a 401 tells the user to sign in, with the server message when there is one', () => {
    expect(errorMessage(401, null)).toMatch(/sign in/i);
    expect(errorMessage(401, { error: { code: 'UNAUTHORIZED', message: 'missing token' } })).toBe(
      'Refused: missing token. Sign in with the admin token.',
    );
    expect(
      errorMessage(400, { error: { code: 'UNKNOWN_NODE', message: 'unknown node "x"' } }),
    ).toBe('unknown node "x"');
  });

  it('api — a control outcome names failing nodes, or the time a fault reverts', () => {
    const failed = describeControl(
      {
        ok: false,
        status: 502,
        message: 'x',
        data: {
          id: '1',
          action: 'kill',
          ok: false,
          results: [
            { node: 'n1', ok: false, error: { code: 'e', message: 'boom' }, expiresAt: null },
          ],
        },
      },
      'Kill n1',
    );
    expect(failed).toBe('Kill n1: failed — n1: boom');
    const done = describeControl(
      {
        ok: true,
        status: 200,
        data: {
          id: '1',
          action: 'partition',
          ok: true,
          results: [{ node: 'n1', ok: true, expiresAt: 0 }],
        },
      },
      'Partition',
    );
    expect(done).toMatch(/^Partition: done, reverts by itself at /);
  });
});
