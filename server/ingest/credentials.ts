/**
 * Each node's own agent credential, derived from the observatory's agent secret and the node's
 * full name: `HMAC-SHA256(secret, "observatory-agent:" + node)`, base64url. The server keeps only
 * the secret and recomputes a node's credential when its agent connects, so a credential is
 * good for one node name and no other, and whoever launches nodes (the lab, an operator with
 * `observatory agent-credential NAME`) can hand each node only its own.
 */
import { createHmac } from 'node:crypto';

const LABEL = 'observatory-agent:';

/** The credential the agent of `node` (full name, `n1@127.0.0.1`) presents on `/agent`. */
export function agentCredential(secret: string, node: string): string {
  return createHmac('sha256', secret).update(`${LABEL}${node}`).digest('base64url');
}
