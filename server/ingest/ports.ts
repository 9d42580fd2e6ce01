/**
 * What the other rooms of the server see of ingest: the store it writes through, a connected
 * agent as the control plane sees it, in-process agents (the BEAM observer) and the ingest
 * handle itself.
 */
import type { AgentHello, SnapshotAck } from '../../protocol/agent.ts';
import type { CommandAck, ControlCommandInput } from '../../protocol/control.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';

/** What ingest needs from storage. */
export interface IngestStore {
  /** highest stored seq for (node, bootId), null when none */
  storedSeq(node: string, bootId: string): Promise<number | null>;
  /**
   * Persists snapshots of one (node, bootId), seqs increasing and above what is stored, and
   * resolves once they are durable.
   */
  persist(snapshots: readonly Snapshot[], receivedAt: number): Promise<void>;
}

/** Raised when a command cannot be delivered to a node's agent. */
export class AgentUnavailableError extends Error {
  readonly code = 'AGENT_UNAVAILABLE';
  constructor(
    readonly node: string,
    reason: string,
  ) {
    super(`agent of ${node} ${reason}`);
    this.name = 'AgentUnavailableError';
  }
}

/** A connected agent, as the control plane sees it. */
export interface AgentConnection {
  readonly node: string;
  readonly bootId: string;
  readonly hidden: boolean;
  readonly capabilities: readonly string[];
  /** Sends a command and resolves with the agent's ack; rejects on timeout or disconnect. */
  command(command: ControlCommandInput, timeoutMs: number): Promise<CommandAck>;
}

/**
 * A source of snapshots inside the server process (the BEAM observer polls nodes that run no
 * agent): it takes the same path as a socket agent, from dedupe to store and live model.
 */
export interface LocalAgent {
  /** Validates, stores and shows a batch, as the `snapshots` event does; resolves with its ack. */
  submit(batch: readonly Snapshot[]): Promise<SnapshotAck>;
  /** The node's agent is gone (the model marks the node down). Idempotent. */
  close(reason?: string): void;
}

export interface LocalAgentHandlers {
  /** executes a control command for the node (what a socket agent does on `command`) */
  command(command: ControlCommandInput, timeoutMs: number): Promise<CommandAck>;
  /** a newer session took the node's name; this one is closed */
  kicked?(): void;
}

export interface Ingest {
  agent(node: string): AgentConnection | undefined;
  agents(): AgentConnection[];
  /** Opens an in-process agent session for `hello.node` (no credential: trusted server code). */
  attachLocal(hello: AgentHello, handlers: LocalAgentHandlers): LocalAgent;
}
