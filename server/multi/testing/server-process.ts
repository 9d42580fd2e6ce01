/**
 * One observatory server process for the multi-server tests: `startServer` with the settings
 * read as JSON from stdin (secrets never in argv), multi-server on, no dashboard. Prints the
 * listening line and every log line on stdout; SIGTERM closes it cleanly.
 */
import { startServer } from '../../start.ts';

interface Settings {
  databaseUrl: string;
  adminToken: string;
  agentToken: string;
  rollupEveryMs: number;
  drillHistoryDir: string;
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const settings = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Settings;

const server = await startServer({
  port: 0,
  databaseUrl: settings.databaseUrl,
  adminToken: settings.adminToken,
  agentToken: settings.agentToken,
  dashboard: false,
  multiServer: true,
  drillHistoryDir: settings.drillHistoryDir,
  history: { rollupEveryMs: settings.rollupEveryMs, retentionEveryMs: settings.rollupEveryMs },
  log: (line) => process.stdout.write(`${line}\n`),
});
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
