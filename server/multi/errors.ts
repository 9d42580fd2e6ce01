/** Errors of the multi-server mode, one class per condition with a stable `code`. */

/** Raised when several servers are asked for on a store that only one server can use. */
export class MultiServerNeedsPostgresError extends Error {
  readonly code = 'MULTI_SERVER_NEEDS_POSTGRES';
  constructor() {
    super(
      'several observatory servers need a shared PostgreSQL store (DATABASE_URL=postgres://…); ' +
        'SQLite serves a single server',
    );
    this.name = 'MultiServerNeedsPostgresError';
  }
}

/** Raised when the peer that holds a node's agent does not answer a forwarded command in time. */
export class PeerUnavailableError extends Error {
  readonly code = 'PEER_UNAVAILABLE';
  constructor(
    readonly node: string,
    reason: string,
  ) {
    super(`the observatory server holding the agent of ${node} ${reason}`);
    this.name = 'PeerUnavailableError';
  }
}
