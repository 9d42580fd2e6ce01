/**
 * The three drills. Each one drives a started lab under load through one failure and back, and
 * returns what the checker cannot know by itself (ownership moves, failover time) plus the
 * drill's own expectations (e.g. the minority answered no_quorum).
 */
import type { Lab, LabNode } from './lab.ts';

export { DRILLS, type DrillName } from './kinds.ts';

/** What a drill reports on top of the checker's report. */
export interface DrillFindings {
  shardsMoved?: number;
  optimalShardsMoved?: number;
  /** SIGKILL (node-loss) or cut (split-brain) or SIGSTOP (pause) to every shard held again */
  failoverMs?: number;
  /** how long the victim was stopped (pause) */
  pausedMs?: number;
  minority?: string[];
  majority?: string[];
  victim?: string;
  /** node-loss: the victim's shards before the loss, and the moves of each step */
  victimShards?: number;
  lossMoved?: number;
  lossOptimal?: number;
  returnMoved?: number;
  returnOptimal?: number;
  /**
   * node-loss: membership changes the observer saw across the loss and the return, and whether
   * they were exactly the nemesis's two (the victim leaving, then joining)
   */
  membershipChanges?: number;
  onlyNemesisChanges?: boolean;
  /** bridge: the node that sees both sides */
  bridge?: string;
  /** isolate: the node cut from every other */
  isolated?: string;
  /** flap: cut/heal cycles */
  flaps?: number;
  /** clock-jump: each step, and the share of the stepped node's leases that kept their epoch */
  clockSteps?: {
    ms: number;
    offsetMs: number;
    skewSeenMs: number;
    leasesKept: number;
    leasesBefore: number;
    /**
     * the same count, over the same window, on a node whose clock did not step: when it lost
     * as many, the cluster lost its leases (a loaded machine stalled the lab), not the step
     */
    control?: { node: string; leasesKept: number; leasesBefore: number };
  }[];
  /** random: the seed and the schedule it gave (replay with --seed) */
  seed?: number;
  schedule?: {
    atMs: number;
    nemesis: string;
    durationMs: number;
    detail: Record<string, unknown>;
  }[];
}

export interface DrillContext {
  readonly lab: Lab;
  readonly rate: number;
  readonly keys: number;
  /** records a phase (progress line and timeline) */
  readonly phase: (name: string, extra?: Record<string, unknown>) => void;
  /** extra time under load between steps */
  readonly holdMs: number;
  /** `random`: the schedule's seed and length */
  readonly seed: number;
  readonly durationMs: number;
  /**
   * Starts counting the external clients' completed operations; the function returned gives
   * the count so far (Infinity when the drill runs without clients).
   */
  readonly clientOps: () => () => number;
}

/**
 * A fault proves something only if the clients worked while it lasted: on a loaded machine a
 * fixed hold may see few operations, so the hold is extended (bounded) until they did.
 */
export const MIN_CLIENT_OPS_UNDER_FAULT = 80;
/**
 * The least a short fault (a flap's cut, a kill, a pause, a clock step) waits for: the report's
 * 'clients worked through every fault' (cli/drill/fault-ops.ts) needs one; a few more make it
 * a test of the fault rather than of luck.
 */
export const MIN_CLIENT_OPS_PER_FAULT = 10;
const MAX_EXTRA_HOLD_MS = 20_000;

export async function exercised(
  count: () => number,
  min = MIN_CLIENT_OPS_UNDER_FAULT,
): Promise<void> {
  const deadline = performance.now() + MAX_EXTRA_HOLD_MS;
  while (count() < min && performance.now() < deadline) await sleep(200);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const SETTLE_TIMEOUT_MS = 20_000;

export async function warmUp(ctx: DrillContext): Promise<void> {
  const { lab } = ctx;
  ctx.phase('settle');
  await lab.until(() => lab.settled(lab.live()), SETTLE_TIMEOUT_MS, 'every shard leased');
  ctx.phase('load');
  await lab.startWorkloads(ctx.rate, ctx.keys);
  await sleep(ctx.holdMs);
}

export async function finish(ctx: DrillContext): Promise<void> {
  const { lab } = ctx;
  ctx.phase('settle-all');
  await lab.until(() => lab.settled(lab.live()), SETTLE_TIMEOUT_MS, 'ownership after recovery');
  await sleep(ctx.holdMs);
  ctx.phase('drain');
  await lab.stopWorkloads();
}

/**
 * Ownership moves an observer saw after `since` entries, and whether they were exactly the one
 * membership change the nemesis made (one change, to `members` members): a node seen down and
 * up again on its own in the window (a loaded machine stalling a process past the ticktime)
 * moves shards too, and then the counts say nothing about the nemesis's change.
 */
async function movesSince(
  lab: Lab,
  observer: LabNode,
  since: number,
  members: number,
): Promise<{ moved: number; optimal: number; changes: number; onlyTheNemesis: boolean }> {
  const s = await lab.status(observer);
  const moves = s?.moves.slice(since) ?? [];
  return {
    moved: moves.reduce((n, m) => n + m.moved, 0),
    optimal: moves.reduce((n, m) => n + m.optimal, 0),
    changes: moves.length,
    onlyTheNemesis: moves.length === 1 && moves[0]!.members === members,
  };
}

/**
 * SIGKILL a node under load; its shards fail over; restart it; ownership rebalances. The victim
 * is a node with the smallest share (floor(shardCount/N)), so that both moves have an exact
 * optimum: its loss must move exactly its shards, its return exactly as many back.
 */
export async function nodeLoss(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const observer = lab.nodes[0]!;
  const before = await lab.status(observer);
  const share = (n: LabNode): number => before?.ownership.filter((o) => o === n.name).length ?? 0;
  const candidates = lab.nodes.slice(1);
  const fewest = Math.min(...candidates.map(share));
  const victim = [...candidates].reverse().find((n) => share(n) === fewest)!;
  const baseline = before?.moves.length ?? 0;
  const killedAt = performance.now();
  lab.kill(victim);
  ctx.phase('kill', { node: victim.name, shards: share(victim) });
  const ops = ctx.clientOps();
  const survivors = lab.live();
  await lab.until(() => lab.settled(survivors), SETTLE_TIMEOUT_MS, 'failover');
  const failoverMs = Math.round(performance.now() - killedAt);
  const loss = await movesSince(lab, observer, baseline, survivors.length);
  const afterLoss = (await lab.status(observer))?.moves.length ?? baseline;
  ctx.phase('failover', { failoverMs, moved: loss.moved });
  await sleep(ctx.holdMs);
  await exercised(ops, MIN_CLIENT_OPS_PER_FAULT);
  ctx.phase('restart', { node: victim.name });
  await lab.spawn(victim);
  await lab.until(() => lab.settled(lab.live()), SETTLE_TIMEOUT_MS, 'rebalance');
  const back = await movesSince(lab, observer, afterLoss, lab.nodes.length);
  ctx.phase('rebalance', { moved: back.moved });
  await lab.startWorkloads(ctx.rate, ctx.keys, [victim]);
  await finish(ctx);
  return {
    victim: victim.name,
    victimShards: share(victim),
    failoverMs,
    lossMoved: loss.moved,
    lossOptimal: loss.optimal,
    returnMoved: back.moved,
    returnOptimal: back.optimal,
    membershipChanges: loss.changes + back.changes,
    onlyNemesisChanges: loss.onlyTheNemesis && back.onlyTheNemesis,
    shardsMoved: loss.moved + back.moved,
    optimalShardsMoved: loss.optimal + back.optimal,
  };
}

/** Partition 2|3 (minority|majority) under load on both sides; heal; check. */
export async function splitBrain(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const size = Math.floor((lab.nodes.length - 1) / 2);
  const minority = lab.nodes.slice(0, size);
  const majority = lab.nodes.slice(size);
  const cutAt = performance.now();
  const ops = ctx.clientOps();
  await lab.partition(minority, majority);
  ctx.phase('partition', {
    minority: minority.map((n) => n.name),
    majority: majority.map((n) => n.name),
  });
  await lab.until(() => lab.settled(majority), SETTLE_TIMEOUT_MS, 'majority takeover');
  const failoverMs = Math.round(performance.now() - cutAt);
  ctx.phase('takeover', { failoverMs });
  // both sides keep writing: the minority must be answering no_quorum by now; at least four
  // leases long, so that the clients on both sides meet on the same keys
  await sleep(Math.max(ctx.holdMs, 4 * lab.options.leaseMs));
  await exercised(ops);
  ctx.phase('heal');
  await lab.heal();
  await finish(ctx);
  return {
    failoverMs,
    minority: minority.map((n) => n.name),
    majority: majority.map((n) => n.name),
  };
}

/** SIGSTOP an owner past its lease; the majority takes over; SIGCONT: its stale writes are fenced. */
export async function pause(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const victim = lab.nodes[lab.nodes.length - 1]!;
  const others = lab.nodes.filter((n) => n !== victim);
  // frozen between two store transactions: see lab.freeze in cli/node/shards-lab.ts
  await lab.freeze(victim);
  const stoppedAt = performance.now();
  ctx.phase('pause', { node: victim.name });
  const ops = ctx.clientOps();
  await lab.until(() => lab.settled(others), SETTLE_TIMEOUT_MS, 'takeover by the majority');
  const failoverMs = Math.round(performance.now() - stoppedAt);
  ctx.phase('takeover', { failoverMs });
  // make sure the majority has written in its new epochs before the victim wakes up
  await sleep(Math.max(300, ctx.holdMs / 2));
  await exercised(ops, MIN_CLIENT_OPS_PER_FAULT);
  const pausedMs = Math.round(performance.now() - stoppedAt);
  victim.proc?.signal('SIGCONT');
  ctx.phase('resume', { node: victim.name, pausedMs });
  await lab.link(victim);
  await lab.heal();
  await finish(ctx);
  return { victim: victim.name, failoverMs, pausedMs };
}

export const BASIC_SCENARIOS = {
  'node-loss': nodeLoss,
  'split-brain': splitBrain,
  pause,
} as const;
