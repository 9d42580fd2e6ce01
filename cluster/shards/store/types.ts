/**
 * The fenced source of truth outside the mesh: shard epochs (fencing tokens), the ledger's
 * counters and the write history. Implemented on SQLite (WAL, shared by several processes) and
 * PostgreSQL; both create their own tables, prefixed `ledger_`.
 */

export interface ShardEpoch {
  readonly shard: number;
  /** 0 means no lease was ever taken */
  readonly epoch: number;
  /** the node that took the current epoch */
  readonly node: string | null;
}

/** One epoch handed out by bumpEpoch, kept forever so that checkers can see who owned what. */
export interface EpochGrant {
  readonly shard: number;
  readonly epoch: number;
  readonly node: string;
  /** ms since epoch, store-side clock of the process that bumped */
  readonly at: number;
  /**
   * the history's highest seq when this epoch was granted, read in the granting transaction
   * under the shard's lock: every write of this shard with a higher seq committed after the
   * grant. Absent for grants recorded by a store from before this column existed.
   */
  readonly afterSeq?: number;
}

export interface WriteRequest {
  readonly shard: number;
  /** the fencing token: the epoch the writer's lease got */
  readonly epoch: number;
  readonly node: string;
  /** client-chosen, unique per logical write; a replay returns the first result */
  readonly requestId: string;
  readonly key: string;
  /** a safe integer, may be negative */
  readonly amount: number;
}

/** A committed write, as recorded in the history. */
export interface HistoryRow {
  /** commit order (per shard it is the order in which the store serialized the writes) */
  readonly seq: number;
  readonly shard: number;
  readonly epoch: number;
  readonly node: string;
  readonly requestId: string;
  readonly key: string;
  readonly amount: number;
  /** the counter's value right after this write */
  readonly value: number;
  /** ms since epoch */
  readonly committedAt: number;
}

export interface WriteResult extends HistoryRow {
  /** true when requestId had already committed and this is its original result */
  readonly replayed: boolean;
}

/** A register's value (the drills' register workload): an integer, or null when never written. */
export type RegisterValue = number | null;

/**
 * One fenced register operation: `write` sets the value; `cas` sets it only if it equals
 * `expected`. Fenced exactly as ledger writes are (the epoch must be the shard's current one).
 */
export interface RegisterRequest {
  readonly shard: number;
  readonly epoch: number;
  readonly node: string;
  readonly key: string;
  readonly op: 'write' | 'cas';
  /** cas only: the value the register must hold */
  readonly expected?: RegisterValue;
  readonly value: number;
}

export interface RegisterResult {
  /** false only for a cas whose compare failed (then nothing changed) */
  readonly applied: boolean;
  /** the register's value after the operation */
  readonly value: RegisterValue;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface FencedStore {
  readonly kind: StoreKind;
  /** every shard that ever had an epoch */
  epochs(): Promise<ShardEpoch[]>;
  /** current epoch of one shard (0 when none was taken) */
  epochOf(shard: number): Promise<number>;
  /**
   * Atomic compare-and-increment: the shard's epoch becomes current + 1 and is returned, to be
   * used as the fencing token of `node`'s new lease. With `expectedEpoch`, throws FencedError
   * unless the current epoch equals it.
   */
  bumpEpoch(shard: number, node: string, expectedEpoch?: number): Promise<number>;
  /**
   * In one transaction: if `requestId` already committed, return that result (replayed: true);
   * else throw FencedError unless `epoch` is the shard's current epoch; else add `amount` to the
   * counter and append a history row. Throws StoreUnavailableError when locked or unreachable,
   * in which case nothing was committed.
   */
  commitWrite(request: WriteRequest): Promise<WriteResult>;
  /** the counter's value (0 when never written) */
  get(key: string): Promise<number>;
  /**
   * In one transaction: throws FencedError unless `epoch` is the shard's current epoch; else
   * applies the register write or cas. Registers live apart from the ledger's counters and
   * history (they are checked by the linearizability checker, not the ledger's checks).
   */
  commitRegister(request: RegisterRequest): Promise<RegisterResult>;
  /** a register's value (null when never written) */
  getRegister(key: string): Promise<RegisterValue>;
  counters(): Promise<Record<string, number>>;
  /** the whole write history in commit order */
  history(): Promise<HistoryRow[]>;
  epochLog(): Promise<EpochGrant[]>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** ms since epoch; default Date.now */
  readonly now?: () => number;
  /** SQLite: how long to wait for another process's lock; default DEFAULT_SQLITE_BUSY_TIMEOUT_MS */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite: 'NORMAL' (default) survives a killed process, which is the lab's failure model;
   * 'FULL' also survives power loss at the cost of an fsync per commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** PostgreSQL: pool size; default 10 */
  readonly poolSize?: number;
  /** PostgreSQL: connect and lock timeout; default 2000 ms */
  readonly timeoutMs?: number;
  /**
   * Negative controls only (`observatory drill pause --unsafe no-store-fence`): commitWrite
   * accepts any epoch, so the drill's checkers must find the stale writes. Default false.
   */
  readonly unsafeNoFence?: boolean;
}
