/**
 * V8 flags every `observatory node` process runs with, set by the process itself as the node
 * command starts (`v8.setFlagsFromString`), so that a user who starts `observatory node` any way
 * (the `observatory` bin, `node bin/observatory.mjs`, the lab, the drills) gets them without a
 * re-exec (which Node 20 can only do by keeping a second process alive) and without
 * `NODE_OPTIONS` (which refuses these flags). Each one is measured in docs/performance.md
 * ("V8 flags of a node process"); a flag that does not pay is not here.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * `--no-lazy-feedback-allocation`: V8 gives a function its feedback vector (inline caches) at
 * its first call instead of after several. A node runs most of its code only a few times (a
 * handshake per peer, a tick pass a quarter-tick apart), so without it that code runs with no
 * inline caches; with it a 16-node mesh forms for ~20% less CPU, for ~0.5 MiB per node.
 */
export const NODE_V8_FLAGS: readonly string[] = ['--no-lazy-feedback-allocation'];

let applied = false;

/**
 * Sets {@link NODE_V8_FLAGS} in this process, once. Call it before the runtime does any work:
 * it affects functions first called afterwards.
 */
export function applyNodeV8Flags(): void {
  if (applied) return;
  applied = true;
  for (const flag of NODE_V8_FLAGS) setFlagsFromString(flag);
}
