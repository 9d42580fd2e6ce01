/**
 * Attacks a web page can mount through a victim's browser against a real observatory server
 * (issue #12 item 5): cross-site POSTs riding on the session cookie, a simple `text/plain` POST,
 * reading `/ui` from another origin (both transports), DNS rebinding, a stolen cookie reused
 * after sign-out, token guessing, and oversized `/ui` messages. Every refusal with 401/403 is
 * audited (item 7).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UI_MAX_HTTP_BUFFER_BYTES, UI_SOCKET_IO_PATH } from '../../protocol/constants.ts';
import { ADMIN_TOKEN, AttackServer, outcome, raw, signIn } from './testing/helpers.ts';

const json = { 'content-type': 'application/json' };
const KILL = JSON.stringify({ node: 'nobody' });

describe('browser attacks', () => {
  const lab = new AttackServer();
  afterEach(() => lab.stop());

  it('browser attacks — a cross-origin POST with the session cookie is refused (403), same-origin passes', async () => {
    const { url, port } = await lab.start();
    const cookie = await signIn(url);
    const kill = (origin: Record<string, string>) =>
      raw(`${url}/api/control/kill`, 'POST', { ...json, cookie, ...origin }, KILL);
    for (const origin of [
      'http://evil.example',
      'null',
      `http://127.0.0.1:${port + 1}`,
      `http://localhost:${port}`,
    ]) {
      const answer = await kill({ origin });
      expect(answer.status, origin).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'FORBIDDEN_ORIGIN' } });
    }
    expect((await kill({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await kill({})).status).toBe(403);
    // Our own page: past the gate, refused only for the unknown node.
    const own = await kill({ origin: url });
    expect(own.status).toBe(400);
    expect(JSON.parse(own.body)).toMatchObject({ error: { code: 'UNKNOWN_NODE' } });
    expect((await kill({ 'sec-fetch-site': 'same-origin' })).status).toBe(400);
  });

  it('browser attacks — a text/plain POST (a simple request, no preflight) is refused with 415', async () => {
    const { url } = await lab.start();
    const cookie = await signIn(url);
    const attempts: Record<string, string>[] = [
      { 'content-type': 'text/plain', cookie, origin: url },
      { 'content-type': 'text/plain', authorization: `Bearer ${ADMIN_TOKEN}` },
      { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: url },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    ];
    for (const headers of attempts) {
      const answer = await raw(`${url}/api/control/kill`, 'POST', headers, KILL);
      expect(answer.status, JSON.stringify(headers)).toBe(415);
    }
    const drill = await raw(
      `${url}/api/drills`,
      'POST',
      { 'content-type': 'text/plain', authorization: `Bearer ${ADMIN_TOKEN}` },
      '{}',
    );
    expect(drill.status).toBe(415);
  });

  it('browser attacks — /ui refuses a foreign Origin on polling and on websocket, serves its own', async () => {
    const { url } = await lab.start();
    const handshake = (headers: Record<string, string>) =>
      raw(`${url}${UI_SOCKET_IO_PATH}/?EIO=4&transport=polling`, 'GET', headers);
    expect((await handshake({})).status).toBe(200);
    expect((await handshake({ origin: url })).status).toBe(200);
    expect((await handshake({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await handshake({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);

    expect(await outcome(lab.ui('polling'))).toBe('connected');
    expect(await outcome(lab.ui('websocket', { origin: url }))).toBe('connected');
    expect(await outcome(lab.ui('websocket', { origin: 'http://evil.example' }))).toMatch(
      /^refused/,
    );
    expect(await outcome(lab.ui('websocket', { origin: 'null' }))).toMatch(/^refused/);
  });

  it('browser attacks — a DNS-rebinding Host cannot read /api/*, /metrics or /ui', async () => {
    const { url, port } = await lab.start();
    const evil = { host: `rebind.evil.example:${port}` };
    for (const path of [
      '/api/cluster',
      '/api/traffic',
      '/api/events',
      '/metrics',
      '/api/session',
    ]) {
      const answer = await raw(`${url}${path}`, 'GET', evil);
      expect(answer.status, path).toBe(403);
      expect(answer.body).toContain('FORBIDDEN_HOST');
      expect((await raw(`${url}${path}`, 'GET', { host: `localhost:${port}` })).status).toBe(200);
    }
    expect(
      (await raw(`${url}${UI_SOCKET_IO_PATH}/?EIO=4&transport=polling`, 'GET', evil)).status,
    ).toBe(403);
    expect(await outcome(lab.ui('websocket', evil))).toMatch(/^refused/);
  });

  it('browser attacks — a configured host name and origin are accepted', async () => {
    const { url, port } = await lab.start({
      allowedHosts: ['observatory.internal'],
      allowedOrigins: ['https://ops.example:8443'],
    });
    const host = { host: `observatory.internal:${port}` };
    expect((await raw(`${url}/api/cluster`, 'GET', host)).status).toBe(200);
    const cookie = await signIn(url);
    const answer = await raw(
      `${url}/api/control/kill`,
      'POST',
      { ...json, cookie, origin: 'https://ops.example:8443' },
      KILL,
    );
    expect(answer.status).toBe(400);
    expect(await outcome(lab.ui('websocket', { origin: 'https://ops.example:8443' }))).toBe(
      'connected',
    );
  });

  it('browser attacks — the session cookie is HttpOnly, SameSite=Strict, and Secure behind an https proxy', async () => {
    const { url } = await lab.start();
    const signInVia = async (extra: Record<string, string>) =>
      String(
        (
          await raw(
            `${url}/api/session`,
            'POST',
            { ...json, ...extra },
            JSON.stringify({ token: ADMIN_TOKEN }),
          )
        ).headers['set-cookie'],
      );
    const plain = await signInVia({});
    expect(plain).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(await signInVia({ 'x-forwarded-proto': 'https' })).toMatch(/; Secure$/);
  });

  it('browser attacks — after sign-out the old cookie is worthless', async () => {
    const { url } = await lab.start();
    const cookie = await signIn(url);
    const headers = { ...json, cookie, origin: url };
    expect((await raw(`${url}/api/session`, 'GET', { cookie })).body).toBe('{"signedIn":true}');
    // Another site cannot sign the victim out either.
    const foreign = await raw(`${url}/api/session`, 'DELETE', {
      cookie,
      origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect((await raw(`${url}/api/session`, 'GET', { cookie })).body).toBe('{"signedIn":true}');
    const out = await raw(`${url}/api/session`, 'DELETE', { cookie, origin: url });
    expect(out.status).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    // The attacker replays the cookie it copied before the sign-out.
    expect((await raw(`${url}/api/control/kill`, 'POST', headers, KILL)).status).toBe(401);
    expect((await raw(`${url}/api/session`, 'GET', { cookie })).body).toBe('{"signedIn":false}');
  });

  it('browser attacks — repeated failed sign-ins are slowed down, even for the right token', async () => {
    const { url } = await lab.start();
    const attempt = (token: string) =>
      raw(`${url}/api/session`, 'POST', json, JSON.stringify({ token }));
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await attempt(`wrong-${i}`)).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    const right = await attempt(ADMIN_TOKEN);
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Bearer guesses on a control route count against the same address.
    const bearer = await raw(
      `${url}/api/control/heal`,
      'POST',
      { ...json, authorization: 'Bearer guess' },
      '{}',
    );
    expect(bearer.status).toBe(429);
  });

  it('browser attacks — /ui accepts only small messages; a large one closes the socket', async () => {
    await lab.start();
    const socket = lab.ui('websocket');
    expect(await outcome(socket)).toBe('connected');
    const closed = new Promise<string>((resolve) => {
      socket.once('disconnect', resolve);
      setTimeout(() => resolve('still connected after 5 s'), 5_000);
    });
    socket.emit('anything', 'x'.repeat(UI_MAX_HTTP_BUFFER_BYTES * 4));
    expect(await closed).toBe('transport close');
  });

  it('browser attacks — refused 401 and 403 attempts are audited with actor, address and agent, no secret', async () => {
    const { url, context } = await lab.start();
    const cookie = await signIn(url);
    await raw(`${url}/api/control/kill`, 'POST', { ...json, 'user-agent': 'curl/8.0' }, KILL);
    await raw(
      `${url}/api/control/partition`,
      'POST',
      { ...json, cookie, origin: 'http://evil.example', 'user-agent': 'EvilBrowser/1' },
      '{}',
    );
    await raw(`${url}/api/session`, 'POST', json, JSON.stringify({ token: 'guess-guess' }));
    const log = await context.observatory.history.auditLog();
    const refused = log.filter((r) => r.phase === 'refused');
    expect(refused.map((r) => [r.action, (r.result as { status: number }).status])).toEqual(
      expect.arrayContaining([
        ['kill', 401],
        ['partition', 403],
        ['sign-in', 401],
      ]),
    );
    const kill = refused.find((r) => r.action === 'kill')!;
    expect(kill).toMatchObject({ actor: 'anonymous', userAgent: 'curl/8.0', ok: false });
    expect(kill.remoteAddress).toMatch(/127\.0\.0\.1/);
    const partition = refused.find((r) => r.action === 'partition')!;
    expect(partition.actor).toMatch(/^session:[0-9a-f]{16}$/);
    expect(partition.userAgent).toBe('EvilBrowser/1');
    const everything = JSON.stringify(log);
    expect(everything).not.toContain(ADMIN_TOKEN);
    expect(everything).not.toContain(cookie.slice(cookie.indexOf('=') + 1));
  });
});
