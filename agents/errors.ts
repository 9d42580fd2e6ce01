/** Errors raised by the agent; one class per condition, each with a stable `code`. */

export class AgentOptionsError extends Error {
  readonly code = 'agent_options' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentOptionsError';
  }
}

export class AgentDetachedError extends Error {
  readonly code = 'agent_detached' as const;
  constructor() {
    super('the agent is detached');
    this.name = 'AgentDetachedError';
  }
}
