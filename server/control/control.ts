/**
 * The control plane: turns an admin's request into commands for agents (each with an id and a
 * time limit), waits for their acks, audits every action (refused ones too) and puts it on the
 * timeline. Pure of HTTP: route handlers call `runControl` and map its errors in one place.
 */
import { randomUUID } from 'node:crypto';
import type { CommandAck, ControlCommandInput } from '../../protocol/control.ts';
import type { ClusterModel } from '../../protocol/model.ts';
import { BadRequestError, UnknownNodeError } from '../errors.ts';
import type { AgentConnection } from '../ingest/ports.ts';
import type { EventFeed } from '../model/event-feed.ts';
import {
  healRequestSchema,
  killRequestSchema,
  latencyRequestSchema,
  partitionRequestSchema,
  restartRequestSchema,
  type ControlAction,
  type ControlResult,
  type NodeResult,
} from '../../protocol/http.ts';

export type { ControlResult, NodeResult } from '../../protocol/http.ts';

/** How long the server waits for an agent's ack of a command. */
export const COMMAND_TIMEOUT_MS = 5_000;

/** Commands that act on links, which a BEAM node takes only through the distribution proxy. */
const LINK_FAULTS: ReadonlySet<string> = new Set(['partition', 'latency']);

/** What the lab launcher offers the control plane (absent for a server watching a real cluster). */
export interface LabControl {
  /** SIGKILLs a node the lab spawned; false when the lab does not know it */
  kill(node: string): boolean;
  /** re-spawns a node the lab spawned, under the same name and port */
  restart(node: string): Promise<void>;
  knows(node: string): boolean;
}

/**
 * When an audit row was written: before the action (`intent`), after it (`result`), or for an
 * attempt refused before it could act (`refused`: 401, 403).
 */
export type AuditPhase = 'intent' | 'result' | 'refused';

/** One row of the control audit log. */
export interface AuditEntry {
  /** the row's own id */
  readonly id: string;
  /** the control request's id, shared by its intent and result rows */
  readonly requestId?: string;
  /** server clock, ms since epoch */
  readonly at: number;
  /** a control action, or `sign-in`, `sign-out`, `drill` */
  readonly action: ControlAction | (string & {});
  readonly phase: AuditPhase;
  /** the request body as received */
  readonly request: unknown;
  readonly ok: boolean;
  /** per-node results, or the refusal; null on an intent row */
  readonly result: unknown;
  /** `token`, `session:<id>` or `anonymous`; never a secret */
  readonly actor?: string;
  readonly remoteAddress?: string;
  readonly userAgent?: string;
}

/** Who asked, as the HTTP layer saw it. */
export interface ControlCaller {
  readonly actor: string;
  readonly remoteAddress: string;
  readonly userAgent: string;
}

export interface ControlDeps {
  readonly agents: {
    agent(node: string): AgentConnection | undefined;
    agents(): AgentConnection[];
  };
  readonly model: { knows(node: string): boolean; read(): ClusterModel };
  readonly audit: (entry: AuditEntry) => Promise<void>;
  readonly events: EventFeed;
  readonly now: () => number;
  readonly lab?: LabControl;
  readonly newId?: () => string;
  readonly commandTimeoutMs?: number;
}

export type Control = (
  action: ControlAction,
  body: unknown,
  caller?: ControlCaller,
) => Promise<ControlResult>;

/** Creates the control entry point used by `POST /api/control/:action`. */
export function createControl(deps: ControlDeps): Control {
  const newId = deps.newId ?? randomUUID;
  const timeoutMs = deps.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;

  /** Accepts full names (`n1@127.0.0.1`) and unambiguous short ones (`n1`). */
  const resolve = (name: string): string => {
    if (deps.model.knows(name) || deps.lab?.knows(name) === true) return name;
    const matches = deps.model.read().nodes.filter((n) => n.name.split('@')[0] === name);
    if (matches.length === 1) return matches[0]!.name;
    throw new UnknownNodeError(name);
  };

  const runtimeOf = (node: string) => deps.model.read().nodes.find((n) => n.name === node)?.runtime;

  const agentFor = (node: string, capability: string): AgentConnection => {
    const agent = deps.agents.agent(node);
    if (agent === undefined) {
      throw new BadRequestError('NO_AGENT', `node ${node} has no connected agent (is it running?)`);
    }
    if (!agent.capabilities.includes(capability)) {
      // A BEAM node's links can be cut or delayed only in the distribution proxy they go through.
      if (LINK_FAULTS.has(capability) && runtimeOf(node) === 'beam') {
        throw new BadRequestError(
          'BEAM_PROXY_REQUIRED',
          `${node} is a BEAM node whose links do not go through the observatory's distribution proxy, so it cannot ${capability}: run \`observatory server\` with --beam-proxy-epmd PORT and start the nodes with ERL_EPMD_PORT=PORT (see docs/erlang.md)`,
        );
      }
      throw new BadRequestError('UNSUPPORTED', `the agent of ${node} cannot ${capability}`);
    }
    return agent;
  };

  const send = async (
    agent: AgentConnection,
    command: ControlCommandInput,
  ): Promise<NodeResult> => {
    try {
      const ack: CommandAck = await agent.command(command, timeoutMs);
      return {
        node: agent.node,
        ok: ack.ok,
        ...(ack.error !== undefined && { error: ack.error }),
        expiresAt: ack.expiresAt,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        node: agent.node,
        ok: false,
        error: { code: 'agent_unavailable', message },
        expiresAt: null,
      };
    }
  };

  const plans: Record<ControlAction, (id: string, body: unknown) => Promise<NodeResult[]>> = {
    async kill(id, body) {
      const node = resolve(killRequestSchema.parse(body).node);
      const agent = deps.agents.agent(node);
      if (agent?.capabilities.includes('kill') === true) {
        return [await send(agent, { id, type: 'kill' })];
      }
      // A lab node whose agent is gone (or cannot kill) is still the lab's child process.
      if (deps.lab?.kill(node) === true) return [{ node, ok: true, expiresAt: null }];
      agentFor(node, 'kill');
      return [];
    },
    async restart(_id, body) {
      const name = restartRequestSchema.parse(body).node;
      if (deps.lab === undefined) {
        throw new BadRequestError(
          'RESTART_UNAVAILABLE',
          'restart is available only for nodes started by `observatory start`',
        );
      }
      const node = resolve(name);
      if (!deps.lab.knows(node)) {
        throw new BadRequestError('NOT_A_LAB_NODE', `node ${node} was not started by this lab`);
      }
      await deps.lab.restart(node);
      return [{ node, ok: true, expiresAt: null }];
    },
    async partition(id, body) {
      const request = partitionRequestSchema.parse(body);
      const sides = request.sides.map((side) => side.map(resolve));
      const seen = new Map<string, number>();
      sides.forEach((side, i) =>
        side.forEach((node) => {
          const other = seen.get(node);
          if (other !== undefined) {
            throw new BadRequestError(
              'OVERLAPPING_SIDES',
              other === i
                ? `node ${node} appears twice in side ${i}`
                : `node ${node} is on sides ${other} and ${i}; sides must not overlap`,
            );
          }
          seen.set(node, i);
        }),
      );
      const agents = sides.map((side) => side.map((node) => agentFor(node, 'partition')));
      return Promise.all(
        agents.flatMap((side, i) =>
          side.map((agent) =>
            send(agent, {
              id,
              type: 'partition',
              args: { peers: sides.filter((_, j) => j !== i).flat() },
              ttlMs: request.ttlMs,
            }),
          ),
        ),
      );
    },
    async heal(id, body) {
      const request = healRequestSchema.parse(body ?? {});
      const agents =
        request.nodes === undefined
          ? deps.agents.agents().filter((a) => a.capabilities.includes('heal'))
          : request.nodes.map(resolve).map((node) => agentFor(node, 'heal'));
      return Promise.all(agents.map((agent) => send(agent, { id, type: 'heal' })));
    },
    async latency(id, body) {
      const request = latencyRequestSchema.parse(body);
      const node = resolve(request.node);
      const agent = agentFor(node, 'latency');
      const peers =
        request.peers?.map(resolve) ??
        deps.model
          .read()
          .nodes.filter((n) => n.name !== node && !n.hidden)
          .map((n) => n.name);
      if (peers.includes(node)) {
        throw new BadRequestError('BAD_PEERS', `a node cannot delay traffic to itself (${node})`);
      }
      if (peers.length === 0) throw new BadRequestError('BAD_PEERS', 'no peers to delay');
      return [
        await send(agent, {
          id,
          type: 'latency',
          args: { peers, delayMs: request.delayMs, jitterMs: request.jitterMs },
          ttlMs: request.ttlMs,
        }),
      ];
    },
  };

  return async (action, body, caller) => {
    const id = newId();
    const at = deps.now();
    const who = caller ?? {};
    // Written before anything is sent, so an action that crashes the server is still on record.
    await deps.audit({
      id: `${id}:intent`,
      requestId: id,
      at,
      action,
      phase: 'intent',
      request: body,
      ok: true,
      result: null,
      ...who,
    });
    const resultRow = (ok: boolean, result: unknown): AuditEntry => ({
      id,
      requestId: id,
      at: deps.now(),
      action,
      phase: 'result',
      request: body,
      ok,
      result,
      ...who,
    });
    let results: NodeResult[];
    try {
      results = await plans[action](id, body);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await deps.audit(resultRow(false, { refused: message }));
      deps.events.server('', {
        type: 'control',
        at,
        id,
        action,
        ok: false,
        detail: message.slice(0, 500),
      });
      throw error;
    }
    const ok = results.every((r) => r.ok);
    await deps.audit(resultRow(ok, results));
    const targets = results.map((r) => r.node);
    deps.events.server(targets.length === 1 ? targets[0]! : '', {
      type: 'control',
      at,
      id,
      action,
      ok,
      detail: describe(action, body, results).slice(0, 500),
    });
    return { id, action, ok, results };
  };
}

function describe(action: ControlAction, body: unknown, results: readonly NodeResult[]): string {
  const failed = results
    .filter((r) => !r.ok)
    .map((r) => `${r.node}: ${r.error?.message ?? 'failed'}`);
  const what =
    action === 'partition'
      ? (body as { sides: string[][] }).sides.map((s) => s.join(',')).join(' | ')
      : results.map((r) => r.node).join(', ');
  return failed.length === 0
    ? `${action} ${what}`
    : `${action} ${what}; failed: ${failed.join('; ')}`;
}
