import { describe, expect, it } from 'vitest';
import { EnvError, labNodeEnv, parseEnv, scrubbedEnv } from './env.ts';

describe('env', () => {
  it('env — defaults: loopback, port 3000, SQLite under ./data, generated tokens', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'file:./data/observatory.db',
      adminTokenGenerated: true,
      agentTokenGenerated: true,
      clusterCookie: undefined,
      dev: false,
      drillRunsKept: 200,
    });
    expect(env.adminToken.length).toBeGreaterThanOrEqual(16);
    expect(env.agentToken).not.toBe(env.adminToken);
  });

  it('env — takes valid values and treats empty ones as unset', () => {
    const env = parseEnv({
      PORT: '0',
      DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db',
      OBSERVATORY_ADMIN_TOKEN: 'a'.repeat(16),
      OBSERVATORY_AGENT_TOKEN: '',
      CLUSTER_COOKIE: 'secret',
    });
    expect(env).toMatchObject({
      port: 0,
      databaseUrl: 'postgresql://u:p@127.0.0.1:5432/db',
      adminToken: 'a'.repeat(16),
      adminTokenGenerated: false,
      agentTokenGenerated: true,
      clusterCookie: 'secret',
    });
  });

  it('env — names every bad variable in one clear error', () => {
    let caught: unknown;
    try {
      parseEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', OBSERVATORY_ADMIN_TOKEN: 'short' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const error = caught as EnvError;
    expect(error.code).toBe('ENV_INVALID');
    expect(error.issues).toHaveLength(3);
    expect(error.message).toMatch(/PORT: .*"eighty"/);
    expect(error.message).toMatch(/DATABASE_URL: must start with file:/);
    expect(error.message).toMatch(/OBSERVATORY_ADMIN_TOKEN: must be at least 16 characters/);
    expect(error.message).not.toContain('short');
  });

  it('env — OBSERVATORY_ALLOWED_ORIGINS and _HOSTS take comma lists and refuse paths, schemes and ports', () => {
    const env = parseEnv({
      OBSERVATORY_ALLOWED_ORIGINS: 'https://ops.example:8443, http://10.0.0.5:3000/',
      OBSERVATORY_ALLOWED_HOSTS: 'observatory.internal,obs',
    });
    expect(env.allowedOrigins).toEqual(['https://ops.example:8443', 'http://10.0.0.5:3000']);
    expect(env.allowedHosts).toEqual(['observatory.internal', 'obs']);
    expect(parseEnv({}).allowedOrigins).toEqual([]);
    for (const bad of ['https://ops.example/path', 'ftp://x', 'ops.example', '*']) {
      expect(() => parseEnv({ OBSERVATORY_ALLOWED_ORIGINS: bad })).toThrow(
        /OBSERVATORY_ALLOWED_ORIGINS: must be comma-separated origins/,
      );
    }
    for (const bad of ['http://obs', 'obs:3000', 'a b']) {
      expect(() => parseEnv({ OBSERVATORY_ALLOWED_HOSTS: bad })).toThrow(
        /OBSERVATORY_ALLOWED_HOSTS: must be comma-separated host names/,
      );
    }
  });

  it('env — OBSERVATORY_MULTI_SERVER needs PostgreSQL and refuses SQLite clearly', () => {
    expect(parseEnv({}).multiServer).toBe(false);
    expect(
      parseEnv({ OBSERVATORY_MULTI_SERVER: '1', DATABASE_URL: 'postgres://u:p@db:5432/o' })
        .multiServer,
    ).toBe(true);
    for (const source of [
      { OBSERVATORY_MULTI_SERVER: '1' },
      { OBSERVATORY_MULTI_SERVER: 'true', DATABASE_URL: 'file:./data/o.db' },
    ]) {
      expect(() => parseEnv(source)).toThrow(/OBSERVATORY_MULTI_SERVER: .*PostgreSQL.*SQLite/);
    }
    expect(() => parseEnv({ OBSERVATORY_MULTI_SERVER: 'yes' })).toThrow(EnvError);
  });

  it('env — OBSERVATORY_DRILL_RETENTION sets how many drill runs are kept', () => {
    expect(parseEnv({ OBSERVATORY_DRILL_RETENTION: '25' }).drillRunsKept).toBe(25);
    expect(parseEnv({ OBSERVATORY_DRILL_RETENTION: '1' }).drillRunsKept).toBe(1);
    expect(parseEnv({ OBSERVATORY_DRILL_RETENTION: '' }).drillRunsKept).toBe(200);
  });

  it('env — OBSERVATORY_ROLLUP_1M_RETENTION_DAYS sets how long 1 min rollups are kept', () => {
    expect(parseEnv({}).rollup60RetentionMs).toBeUndefined();
    expect(parseEnv({ OBSERVATORY_ROLLUP_1M_RETENTION_DAYS: '7' }).rollup60RetentionMs).toBe(
      7 * 86_400_000,
    );
    expect(() => parseEnv({ OBSERVATORY_ROLLUP_1M_RETENTION_DAYS: '0' })).toThrow(
      /OBSERVATORY_ROLLUP_1M_RETENTION_DAYS/,
    );
  });

  it.each(['0', '-5', '2.5', '1e3', ' 10', 'ten', '99999999999999999999'])(
    'env — OBSERVATORY_DRILL_RETENTION=%j is refused with the value in the message',
    (value) => {
      expect(() => parseEnv({ OBSERVATORY_DRILL_RETENTION: value })).toThrow(
        `OBSERVATORY_DRILL_RETENTION: must be a positive integer (got ${JSON.stringify(value)})`,
      );
    },
  );

  it('env — OBSERVATORY_DRILL_HISTORY_DIR and _MAX_MB place and cap the drill histories', () => {
    expect(parseEnv({})).toMatchObject({
      drillHistoryDir: undefined,
      drillHistoryMaxBytes: 512 * 1024 * 1024,
    });
    expect(
      parseEnv({ OBSERVATORY_DRILL_HISTORY_DIR: '/srv/h', OBSERVATORY_DRILL_HISTORY_MAX_MB: '3' }),
    ).toMatchObject({ drillHistoryDir: '/srv/h', drillHistoryMaxBytes: 3 * 1024 * 1024 });
    expect(() => parseEnv({ OBSERVATORY_DRILL_HISTORY_MAX_MB: '0' })).toThrow(
      'OBSERVATORY_DRILL_HISTORY_MAX_MB: must be a positive integer (got "0")',
    );
  });

  it('env — rejects a port out of range', () => {
    expect(() => parseEnv({ PORT: '70000' })).toThrow(/PORT/);
  });

  it('env — a lab node gets our environment without the server secrets, and its own by env', () => {
    const source = {
      PATH: '/bin',
      CLUSTER_COOKIE: 'server-cookie',
      OBSERVATORY_ADMIN_TOKEN: 'admin-token-0123456789',
      OBSERVATORY_AGENT_TOKEN: 'server-agent-token',
      DATABASE_URL: 'postgres://u:secret@127.0.0.1/db',
    };
    expect(labNodeEnv({ cookie: 'c', agentToken: 't', storeUrl: 'file:/x.db' }, source)).toEqual({
      PATH: '/bin',
      CLUSTER_COOKIE: 'c',
      OBSERVATORY_AGENT_TOKEN: 't',
      OBSERVATORY_STORE_URL: 'file:/x.db',
      NODE_ENV: 'production',
    });
    expect(
      labNodeEnv({ cookie: 'c', agentToken: 't' }, { PATH: '/bin', NODE_ENV: 'development' }),
    ).toEqual({
      PATH: '/bin',
      NODE_ENV: 'development',
      CLUSTER_COOKIE: 'c',
      OBSERVATORY_AGENT_TOKEN: 't',
    });
  });

  it('env — a drill child (POST /api/drills) inherits no server secret', () => {
    expect(
      scrubbedEnv({
        PATH: '/bin',
        HOME: '/root',
        OBSERVATORY_ADMIN_TOKEN: 'admin-token-0123456789',
        OBSERVATORY_AGENT_TOKEN: 'agent-token',
        DATABASE_URL: 'postgres://u:secret@127.0.0.1/db',
        CLUSTER_COOKIE: 'c',
        OBSERVATORY_STORE_URL: 'postgres://u:secret@127.0.0.1/ledger',
      }),
    ).toEqual({ PATH: '/bin', HOME: '/root' });
  });
});
