import type { RunServerOptions } from '../server/main.ts';

/** Runs the observatory server; Next.js and the store load only now, not for `--help`. */
export async function runServer(options: RunServerOptions): Promise<void> {
  const env = process.env as Record<string, string | undefined>;
  const dev = options.dev === true || env.OBSERVATORY_DEV === '1' || env.OBSERVATORY_DEV === 'true';
  // Next.js and React pick their build flavour from NODE_ENV; it must be set before they load.
  env.NODE_ENV ??= dev ? 'development' : 'production';
  // Only loopback is reachable here, and nothing should phone home from a user's lab anyway.
  env.NEXT_TELEMETRY_DISABLED ??= '1';
  const { runServer: run } = await import('../server/main.ts');
  await run(options);
}
