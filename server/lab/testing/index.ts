/** Helpers shared by this folder's tests with real processes (not part of the server). */
import type { ClusterModel } from '../../../protocol/model.ts';

export { freePort } from '../../../cluster/ports.ts';

/** The server's live model, as `GET /api/cluster` serves it. */
export async function clusterModel(serverUrl: string): Promise<ClusterModel> {
  const res = await fetch(`${serverUrl}/api/cluster`);
  return (await res.json()) as ClusterModel;
}

/** Polls the model until `check` holds; bounded, so a broken cluster fails instead of hanging. */
export async function untilModel(
  serverUrl: string,
  check: (m: ClusterModel) => boolean,
  timeoutMs: number,
): Promise<ClusterModel> {
  const deadline = performance.now() + timeoutMs;
  let last: ClusterModel | undefined;
  while (performance.now() < deadline) {
    last = await clusterModel(serverUrl);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last model: ${JSON.stringify(last)}`);
}
