import { BadArgumentError } from '../errors.ts';
import { validateKey } from '../hash.ts';
import type { RegisterRequest, WriteRequest } from './types.ts';

const MAX_REQUEST_ID = 200;

/** Checks a write at the store boundary, so that no driver sees a malformed value. */
export function validateWrite(w: WriteRequest): void {
  validateKey(w.key);
  if (!Number.isSafeInteger(w.shard) || w.shard < 0) throw new BadArgumentError('bad shard');
  // epoch 0 means "never leased", so it can never be a valid fencing token
  if (!Number.isSafeInteger(w.epoch) || w.epoch < 1) throw new BadArgumentError('bad epoch');
  if (!Number.isSafeInteger(w.amount)) throw new BadArgumentError('amount must be a safe integer');
  if (typeof w.node !== 'string' || w.node.length === 0) throw new BadArgumentError('bad node');
  if (typeof w.requestId !== 'string' || w.requestId.length === 0) {
    throw new BadArgumentError('requestId must be a non-empty string');
  }
  if (w.requestId.length > MAX_REQUEST_ID) {
    throw new BadArgumentError(`requestId longer than ${MAX_REQUEST_ID} characters`);
  }
}

export function validateShard(shard: number): void {
  if (!Number.isSafeInteger(shard) || shard < 0) throw new BadArgumentError('bad shard');
}

/** Checks a register operation at the store boundary. */
export function validateRegister(r: RegisterRequest): void {
  validateKey(r.key);
  if (!Number.isSafeInteger(r.shard) || r.shard < 0) throw new BadArgumentError('bad shard');
  if (!Number.isSafeInteger(r.epoch) || r.epoch < 1) throw new BadArgumentError('bad epoch');
  if (typeof r.node !== 'string' || r.node.length === 0) throw new BadArgumentError('bad node');
  if (r.op !== 'write' && r.op !== 'cas') throw new BadArgumentError("op must be 'write' or 'cas'");
  if (!Number.isSafeInteger(r.value)) throw new BadArgumentError('value must be a safe integer');
  if (r.op === 'cas' && r.expected !== null && !Number.isSafeInteger(r.expected))
    throw new BadArgumentError('expected must be a safe integer or null');
}
