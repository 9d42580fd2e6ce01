import { Command } from 'commander';
import { agentCredential } from '../../server/ingest/credentials.ts';

/**
 * `observatory agent-credential NAME@HOST`: prints the agent credential of one node, derived from
 * the observatory's agent secret (env OBSERVATORY_AGENT_TOKEN, never an argument: `ps` shows
 * arguments). Give each node only its own, as its OBSERVATORY_AGENT_TOKEN.
 */
export function agentCredentialCommand(): Command {
  return new Command('agent-credential')
    .description(
      "print one node's agent credential, derived from the agent secret in env OBSERVATORY_AGENT_TOKEN",
    )
    .argument('<node>', 'the full node name, e.g. a@10.0.0.7')
    .action((node: string) => {
      const secret = process.env.OBSERVATORY_AGENT_TOKEN;
      const issues: string[] = [];
      if (secret === undefined || secret === '') {
        issues.push('set OBSERVATORY_AGENT_TOKEN to the observatory server’s agent secret');
      }
      if (!/^[^@\s]+@[^@\s]+$/.test(node)) {
        issues.push(
          `<node>: must be a full node name such as a@10.0.0.7 (got ${JSON.stringify(node)})`,
        );
      }
      if (issues.length > 0) {
        process.stderr.write(issues.map((i) => `observatory agent-credential: ${i}\n`).join(''));
        process.exit(2);
      }
      process.stdout.write(`${agentCredential(secret!, node)}\n`);
    });
}
