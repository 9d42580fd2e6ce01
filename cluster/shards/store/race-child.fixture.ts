/**
 * Test fixture, run as its own process by sqlite.test.ts: repeatedly takes the epoch of a few
 * shards and writes under it, racing other processes on the same SQLite file. Prints one JSON
 * line with what it saw acknowledged.
 */
import { FencedError, StoreUnavailableError } from '../errors.ts';
import { openSqliteStore } from './sqlite.ts';

const [path, node, roundsArg] = process.argv.slice(2);
if (path === undefined || node === undefined) throw new Error('usage: path node rounds');
const rounds = Number(roundsArg ?? '20');
const store = openSqliteStore(path, { busyTimeoutMs: 5_000 });
const acked: { requestId: string; key: string; amount: number; epoch: number }[] = [];
let fenced = 0;
let unavailable = 0;

for (let round = 0; round < rounds; round++) {
  const shard = round % 3;
  const epoch = await store.bumpEpoch(shard, node);
  for (let i = 0; i < 10; i++) {
    const requestId = `${node}-${round}-${i}`;
    const key = `s${shard}-k${i % 4}`;
    try {
      const r = await store.commitWrite({ shard, epoch, node, requestId, key, amount: 1 });
      acked.push({ requestId, key, amount: 1, epoch: r.epoch });
    } catch (err) {
      if (err instanceof FencedError) fenced++;
      else if (err instanceof StoreUnavailableError) unavailable++;
      else throw err;
    }
  }
}
await store.close();
process.stdout.write(JSON.stringify({ node, acked, fenced, unavailable }) + '\n');
