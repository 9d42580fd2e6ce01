/**
 * The audit log over a real server (issue #12 item 7): an admitted action leaves an `intent` row
 * before it runs and a `result` row after, both naming who asked (token kind or session id),
 * from where and with which user agent, and never a secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, AttackServer, raw, signIn } from './testing/helpers.ts';

describe('audit', () => {
  const lab = new AttackServer();
  afterEach(() => lab.stop());

  it('audit — a control action is recorded before and after, with the session that asked', async () => {
    const { url, context } = await lab.start();
    const cookie = await signIn(url);
    const answer = await raw(
      `${url}/api/control/heal`,
      'POST',
      { 'content-type': 'application/json', cookie, origin: url, 'user-agent': 'Dashboard/1' },
      '{}',
    );
    expect(answer.status).toBe(200);
    const { id } = JSON.parse(answer.body) as { id: string };
    const rows = (await context.observatory.history.auditLog()).filter((r) => r.requestId === id);
    expect(rows.map((r) => r.phase).sort()).toEqual(['intent', 'result']);
    const intent = rows.find((r) => r.phase === 'intent')!;
    const result = rows.find((r) => r.phase === 'result')!;
    expect(intent.at).toBeLessThanOrEqual(result.at);
    for (const row of rows) {
      expect(row).toMatchObject({ action: 'heal', userAgent: 'Dashboard/1' });
      expect(row.actor).toMatch(/^session:[0-9a-f]{16}$/);
      expect(row.remoteAddress).toMatch(/127\.0\.0\.1/);
    }
    expect(result).toMatchObject({ ok: true, result: [] });
    const sessionRows = (await context.observatory.history.auditLog()).filter(
      (r) => r.action === 'sign-in',
    );
    expect(sessionRows).toMatchObject([{ phase: 'result', ok: true, actor: intent.actor }]);
    expect(JSON.stringify(await context.observatory.history.auditLog())).not.toContain(
      cookie.slice(cookie.indexOf('=') + 1),
    );
  });

  it('audit — a refused control action still has its intent on record, then the refusal', async () => {
    const { url, context } = await lab.start();
    const answer = await raw(
      `${url}/api/control/kill`,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      JSON.stringify({ node: 'nobody' }),
    );
    expect(answer.status).toBe(400);
    const rows = await context.observatory.history.auditLog();
    expect(rows.map((r) => [r.phase, r.ok, r.actor]).sort()).toEqual([
      ['intent', true, 'token'],
      ['result', false, 'token'],
    ]);
    expect(JSON.stringify(rows)).not.toContain(ADMIN_TOKEN);
  });

  it('audit — starting a drill is recorded before and after', async () => {
    const { url, context } = await lab.start();
    const answer = await raw(
      `${url}/api/drills`,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      JSON.stringify({ kind: 'no-such-drill' }),
    );
    expect(answer.status).toBe(400);
    const rows = await context.observatory.history.auditLog();
    expect(rows.map((r) => [r.action, r.phase, r.ok]).sort()).toEqual([
      ['drill', 'intent', true],
      ['drill', 'result', false],
    ]);
  });
});
