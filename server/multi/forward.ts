/**
 * Control commands across servers: the server that received (authorised and audited) a request
 * sends the command to every server with the target's id; the target runs it on its local agent
 * and answers with the agent's ack, every other server answers "not mine".
 */
import type { CommandAck, ControlCommandInput } from '../../protocol/control.ts';
import { FORWARD_SLACK_MS } from './constants.ts';
import { PeerUnavailableError } from './errors.ts';
import {
  commandRequestSchema,
  commandResponseSchema,
  type CommandRequest,
  type CommandResponse,
  type PeerHello,
} from './messages.ts';
import type { LocalAgents, PeerBus } from './peers.ts';

/**
 * socket.io-adapter answers a server-side request after at most 5 s whatever is asked (its
 * DEFAULT_TIMEOUT), so a forwarded command gives the agent at most this long to ack.
 */
export const MAX_FORWARDED_COMMAND_MS = 5_000 - FORWARD_SLACK_MS;

/** Sends `command` for `hello.node` to `server` and resolves with its agent's ack. */
export async function forwardCommand(
  bus: PeerBus,
  from: string,
  server: string,
  hello: PeerHello,
  command: ControlCommandInput,
  timeoutMs: number,
): Promise<CommandAck> {
  const agentMs = Math.min(timeoutMs, MAX_FORWARDED_COMMAND_MS);
  const answers = await bus.request(
    {
      target: server,
      from,
      node: hello.node,
      bootId: hello.bootId,
      command: command as CommandRequest['command'],
      timeoutMs: agentMs,
    },
    agentMs + FORWARD_SLACK_MS,
  );
  for (const raw of answers) {
    const answer = commandResponseSchema.safeParse(raw);
    if (!answer.success || answer.data.server !== server || !answer.data.handled) continue;
    if ('ack' in answer.data) return answer.data.ack;
    throw new PeerUnavailableError(hello.node, `refused: ${answer.data.error}`);
  }
  throw new PeerUnavailableError(hello.node, `did not answer within ${agentMs} ms`);
}

/** Answers a forwarded command: runs it when this server (`id`) is the target, else "not mine". */
export function runForwardedCommand(
  id: string,
  raw: unknown,
  local: LocalAgents,
  reply: (answer: CommandResponse) => void,
  log: (line: string) => void = () => {},
): void {
  const parsed = commandRequestSchema.safeParse(raw);
  if (!parsed.success || parsed.data.target !== id) {
    reply({ server: id, handled: false });
    return;
  }
  const request = parsed.data;
  const agent = local.agent(request.node);
  if (agent?.bootId !== request.bootId) {
    reply({ server: id, handled: true, error: 'the agent is no longer connected to it' });
    return;
  }
  log(`peers: ${request.command.type} for ${request.node} forwarded by server ${request.from}`);
  agent.command(request.command, request.timeoutMs).then(
    (ack) => reply({ server: id, handled: true, ack }),
    (error: unknown) =>
      reply({
        server: id,
        handled: true,
        error: (error instanceof Error ? error.message : String(error)).slice(0, 1_000),
      }),
  );
}
