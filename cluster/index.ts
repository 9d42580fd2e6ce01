/**
 * The cluster runtime: Node.js processes as distributed Erlang nodes. `startNode` is the entry
 * point; everything else here is types, errors and defaults.
 */
import type { ClusterNode, NodeOptions } from './api.ts';
import { randomBytes } from 'node:crypto';
import { systemClock, silentLogger } from './clock.ts';
import {
  DEFAULT_CONNECT_ALL,
  DEFAULT_FRAGMENT_BYTES,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS,
  DEFAULT_TICKTIME_MS,
  MAX_PREAUTH_BYTES,
} from './constants.ts';
import { BadArgumentError } from './errors.ts';
import { isValidNodeName } from './handshake.ts';
import { Node } from './node.ts';

export type * from './api.ts';
export * from './constants.ts';
export * from './errors.ts';
export { systemClock, silentLogger, steppableClock, type SteppableClock } from './clock.ts';
export { FakeClock, settle } from './fake-clock.ts';

/** Starts a node listening on `host:port` (port 0 = ephemeral; see `node.address`). */
export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const host = options.host ?? DEFAULT_HOST;
  const name = `${options.name}@${host}`;
  if (!isValidNodeName(name)) throw new BadArgumentError(`bad node name ${JSON.stringify(name)}`);
  if (typeof options.cookie !== 'string' || options.cookie.length === 0)
    throw new BadArgumentError('cookie must be a non-empty string');
  const ticktimeMs = options.ticktimeMs ?? DEFAULT_TICKTIME_MS;
  if (!(ticktimeMs >= 4)) throw new BadArgumentError('ticktimeMs must be ≥ 4');
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!(maxFrameBytes >= DEFAULT_FRAGMENT_BYTES + 4096))
    throw new BadArgumentError(`maxFrameBytes must be ≥ ${DEFAULT_FRAGMENT_BYTES + 4096}`);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(Number.isInteger(maxMessageBytes) && maxMessageBytes >= 1024 && maxMessageBytes < 2 ** 32))
    throw new BadArgumentError('maxMessageBytes must be an integer from 1024 to 2^32 - 1');
  const maxPending = options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
  const maxPendingPerAddress =
    options.maxPendingHandshakesPerAddress ?? DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS;
  if (!(Number.isInteger(maxPending) && maxPending >= 1))
    throw new BadArgumentError('maxPendingHandshakes must be an integer ≥ 1');
  if (!(Number.isInteger(maxPendingPerAddress) && maxPendingPerAddress >= 1))
    throw new BadArgumentError('maxPendingHandshakesPerAddress must be an integer ≥ 1');
  const connectAll = options.connectAll ?? DEFAULT_CONNECT_ALL;
  if (typeof connectAll !== 'boolean') throw new BadArgumentError('connectAll must be a boolean');
  const node = new Node(
    options,
    {
      name,
      hidden: options.hidden ?? false,
      addr: '',
      cookie: options.cookie,
      tls: options.tls !== undefined,
      boot: randomBytes(8).toString('hex'),
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
      ticktimeMs,
      maxFrameBytes,
      maxMessageBytes,
      fragmentBytes: DEFAULT_FRAGMENT_BYTES,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      maxPreauthBytes: MAX_PREAUTH_BYTES,
      maxPendingHandshakes: maxPending,
      maxPendingHandshakesPerAddress: maxPendingPerAddress,
    },
    host,
  );
  await node.start(options.port ?? 0);
  return node;
}
