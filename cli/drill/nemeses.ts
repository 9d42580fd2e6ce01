/**
 * The nemeses beyond the first three drills: a bridge partition (one node sees both sides), an
 * isolated node, a flapping partition, a wall-clock step on one node, and `random`, which composes
 * them on a seeded schedule. Each drives a started lab under load and heals it; the checkers then
 * judge the history.
 */
import { seededRandom } from '../../cluster/random.ts';
import type { Lab, LabNode } from './lab.ts';
import {
  exercised,
  finish,
  MIN_CLIENT_OPS_PER_FAULT,
  SETTLE_TIMEOUT_MS,
  sleep,
  warmUp,
  type DrillContext,
  type DrillFindings,
} from './scenarios.ts';

/** how long a fault stays before the heal, in lease lengths (long enough for leases to lapse) */
const FAULT_LEASES = 3;
const CLOCK_STEP_MS = 3_600_000;

function faultMs(lab: Lab): number {
  return FAULT_LEASES * lab.options.leaseMs + lab.options.ticktimeMs;
}

/**
 * A bridge: the first ⌊(N−1)/2⌋ nodes and the last ⌊(N−1)/2⌋ cannot see each other, the middle
 * node sees both. Both sides then see a majority through the bridge (3 of 5), so only the
 * leases — granted by a majority, and the bridge grants each shard to one holder at a time —
 * keep one writer per shard. Ownership views never agree while it lasts; no settle is awaited.
 */
export async function bridge(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const side = Math.floor((lab.nodes.length - 1) / 2);
  const left = lab.nodes.slice(0, side);
  const right = lab.nodes.slice(lab.nodes.length - side);
  const middle = lab.nodes.slice(side, lab.nodes.length - side);
  const ops = ctx.clientOps();
  await lab.partition(left, right);
  ctx.phase('bridge', {
    left: left.map((n) => n.name),
    right: right.map((n) => n.name),
    bridge: middle.map((n) => n.name),
  });
  await sleep(faultMs(lab) + ctx.holdMs);
  await exercised(ops);
  ctx.phase('heal');
  await lab.heal();
  await finish(ctx);
  return { bridge: middle.map((n) => n.name).join(','), minority: left.map((n) => n.name) };
}

/** One node (the first: it owns shards) cut from every other, both ways; the rest take over. */
export async function isolate(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const victim = lab.nodes[0]!;
  const rest = lab.nodes.slice(1);
  const cutAt = performance.now();
  const ops = ctx.clientOps();
  await lab.partition([victim], rest);
  ctx.phase('isolate', { node: victim.name });
  await lab.until(() => lab.settled(rest), SETTLE_TIMEOUT_MS, 'takeover by the others');
  const failoverMs = Math.round(performance.now() - cutAt);
  ctx.phase('takeover', { failoverMs });
  await sleep(ctx.holdMs);
  await exercised(ops);
  ctx.phase('heal');
  await lab.heal();
  await finish(ctx);
  return { isolated: victim.name, failoverMs, minority: [victim.name] };
}

/**
 * A partition that flaps: minority | majority cut and healed again and again, each phase about a
 * ticktime or a lease long, so links, leases and handoffs keep changing under load.
 */
export async function flap(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const size = Math.floor((lab.nodes.length - 1) / 2);
  const minority = lab.nodes.slice(0, size);
  const majority = lab.nodes.slice(size);
  const random = seededRandom(ctx.seed);
  const flaps = 4;
  for (let i = 0; i < flaps; i++) {
    await lab.partition(minority, majority);
    ctx.phase('partition', { flap: i + 1, minority: minority.map((n) => n.name) });
    const ops = ctx.clientOps();
    await sleep(lab.options.ticktimeMs * (0.8 + random() * 1.2));
    await exercised(ops, MIN_CLIENT_OPS_PER_FAULT);
    ctx.phase('heal', { flap: i + 1 });
    await lab.heal();
    await sleep(lab.options.leaseMs * (0.5 + random()));
  }
  await finish(ctx);
  return { flaps, minority: minority.map((n) => n.name), majority: majority.map((n) => n.name) };
}

/** The (shard, epoch) leases a node holds now. */
async function heldLeases(lab: Lab, n: LabNode): Promise<Set<string>> {
  const s = await lab.status(n);
  return new Set((s?.held ?? []).map((h) => `${h.shard}/${h.epoch}`));
}

/**
 * A wall-clock step on one node: an hour forward, two back (to an hour before the start), an
 * hour forward again. Leases run on the monotonic clock, so the node keeps its leases (same
 * epochs) through every step; a lease that read the wall clock would expire or outlive itself.
 */
export async function clockJump(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const victim = lab.nodes[0]!;
  const control = lab.nodes[1]!;
  const steps: NonNullable<DrillFindings['clockSteps']> = [];
  for (const ms of [CLOCK_STEP_MS, -2 * CLOCK_STEP_MS, CLOCK_STEP_MS]) {
    const [before, controlBefore] = await Promise.all([
      heldLeases(lab, victim),
      heldLeases(lab, control),
    ]);
    const offsetMs = await lab.stepClock(victim, ms);
    ctx.phase('clock-step', { node: victim.name, ms, offsetMs });
    const ops = ctx.clientOps();
    // several lease lengths: a lease judged by the stepped clock would have lapsed by now
    await sleep(faultMs(lab));
    await exercised(ops, MIN_CLIENT_OPS_PER_FAULT);
    const [after, controlAfter] = await Promise.all([
      heldLeases(lab, victim),
      heldLeases(lab, control),
    ]);
    const status = await lab.status(victim);
    steps.push({
      ms,
      offsetMs,
      skewSeenMs: Math.round((status?.at ?? Date.now()) - Date.now()),
      leasesBefore: before.size,
      leasesKept: [...before].filter((l) => after.has(l)).length,
      control: {
        node: control.name,
        leasesBefore: controlBefore.size,
        leasesKept: [...controlBefore].filter((l) => controlAfter.has(l)).length,
      },
    });
  }
  await finish(ctx);
  return { victim: victim.name, clockSteps: steps };
}

export type NemesisKind = 'partition' | 'bridge' | 'isolate' | 'flap' | 'clock-step' | 'kill';
const KINDS: readonly NemesisKind[] = [
  'partition',
  'bridge',
  'isolate',
  'flap',
  'clock-step',
  'kill',
];

export interface ScheduledFault {
  /** ms after the load started */
  readonly atMs: number;
  readonly nemesis: NemesisKind;
  readonly durationMs: number;
  readonly detail: Record<string, unknown>;
}

/**
 * The `random` drill's schedule: a pure function of the seed, the length and the lab's shape, so
 * `--seed S` replays the same faults at the same offsets (the interleaving of operations with
 * them is up to the machine). Faults follow each other with a quiet gap; none overlap.
 */
export function randomSchedule(
  seed: number,
  totalMs: number,
  nodes: number,
  timing: { leaseMs: number; ticktimeMs: number },
): ScheduledFault[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const out: ScheduledFault[] = [];
  const minFault = timing.ticktimeMs + timing.leaseMs;
  let at = 0;
  for (;;) {
    const nemesis = pick(KINDS);
    const durationMs = Math.round(minFault * (1 + random() * 1.5));
    if (at + durationMs > totalMs) break;
    const detail: Record<string, unknown> = {};
    const node = Math.floor(random() * nodes);
    if (nemesis === 'partition') {
      // a random side of at most ⌊(N−1)/2⌋ nodes
      const size = 1 + Math.floor(random() * Math.floor((nodes - 1) / 2));
      const order = shuffle(
        Array.from({ length: nodes }, (_, i) => i),
        random,
      );
      detail.minority = order.slice(0, size).sort((a, b) => a - b);
    } else if (nemesis === 'isolate' || nemesis === 'kill') detail.node = node;
    else if (nemesis === 'clock-step') {
      detail.node = node;
      detail.ms = (random() < 0.5 ? -1 : 1) * Math.round(60_000 + random() * CLOCK_STEP_MS);
    } else if (nemesis === 'flap') detail.flaps = 2 + Math.floor(random() * 3);
    out.push({ atMs: at, nemesis, durationMs, detail });
    at += durationMs + Math.round(timing.leaseMs * (0.5 + random()));
  }
  return out;
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Applies one scheduled fault, keeps it for its duration, and undoes it. */
async function applyFault(ctx: DrillContext, f: ScheduledFault, index: number): Promise<void> {
  const { lab } = ctx;
  const n = (i: number): LabNode => lab.nodes[i]!;
  const tag = { fault: index + 1 };
  // each fault (each cut of a flap) lasts until the clients worked through it, bounded
  const hold = async (ms: number): Promise<void> => {
    const ops = ctx.clientOps();
    await sleep(ms);
    await exercised(ops, MIN_CLIENT_OPS_PER_FAULT);
  };
  const side = Math.floor((lab.nodes.length - 1) / 2);
  switch (f.nemesis) {
    case 'partition': {
      const minority = (f.detail.minority as number[]).map(n);
      const rest = lab.nodes.filter((m) => !minority.includes(m));
      await lab.partition(minority, rest);
      ctx.phase('partition', { ...tag, minority: minority.map((m) => m.name) });
      await hold(f.durationMs);
      break;
    }
    case 'bridge': {
      const left = lab.nodes.slice(0, side);
      const right = lab.nodes.slice(lab.nodes.length - side);
      await lab.partition(left, right);
      ctx.phase('bridge', {
        ...tag,
        left: left.map((m) => m.name),
        right: right.map((m) => m.name),
      });
      await hold(f.durationMs);
      break;
    }
    case 'isolate': {
      const victim = n(f.detail.node as number);
      await lab.partition(
        [victim],
        lab.nodes.filter((m) => m !== victim),
      );
      ctx.phase('isolate', { ...tag, node: victim.name });
      await hold(f.durationMs);
      break;
    }
    case 'flap': {
      const flaps = f.detail.flaps as number;
      const minority = lab.nodes.slice(0, side);
      const majority = lab.nodes.slice(side);
      const half = f.durationMs / (2 * flaps);
      for (let i = 0; i < flaps; i++) {
        await lab.partition(minority, majority);
        ctx.phase('partition', { ...tag, flap: i + 1, minority: minority.map((m) => m.name) });
        await hold(half);
        if (i < flaps - 1) {
          ctx.phase('heal', { ...tag, flap: i + 1 });
          await lab.heal();
          await sleep(half);
        }
      }
      break;
    }
    case 'clock-step': {
      const victim = n(f.detail.node as number);
      const ms = f.detail.ms as number;
      // the offset after each step: the drill view shades the span it is not 0
      const offsetMs = await lab.stepClock(victim, ms);
      ctx.phase('clock-step', { ...tag, node: victim.name, ms, offsetMs });
      await hold(f.durationMs);
      const back = await lab.stepClock(victim, -ms);
      ctx.phase('clock-step', { ...tag, node: victim.name, ms: -ms, offsetMs: back });
      return;
    }
    case 'kill': {
      const victim = n(f.detail.node as number);
      lab.kill(victim);
      ctx.phase('kill', { ...tag, node: victim.name });
      await hold(f.durationMs);
      ctx.phase('restart', { ...tag, node: victim.name });
      await lab.spawn(victim);
      // it listens before its shards and lab handlers exist: wait until it answers lab.status
      await lab.until(
        async () => (await lab.status(victim)) !== null,
        SETTLE_TIMEOUT_MS,
        `${victim.name} to answer after its restart`,
      );
      await lab.startWorkloads(ctx.rate, ctx.keys, [victim]);
      return;
    }
  }
  ctx.phase('heal', tag);
  await lab.heal();
}

/**
 * `observatory drill random --duration D [--seed S]`: the faults of `randomSchedule(S, D)` one
 * after another under load, then a heal and the usual settle and checks. The schedule is in the
 * report (`findings.schedule`) and every fault in the history as nemesis events.
 */
export async function random(ctx: DrillContext): Promise<DrillFindings> {
  const { lab } = ctx;
  await warmUp(ctx);
  const schedule = randomSchedule(ctx.seed, ctx.durationMs, lab.nodes.length, lab.options);
  ctx.phase('schedule', { seed: ctx.seed, faults: schedule.length });
  const start = performance.now();
  for (const [i, f] of schedule.entries()) {
    const wait = f.atMs - (performance.now() - start);
    if (wait > 0) await sleep(wait);
    await applyFault(ctx, f, i);
  }
  await finish(ctx);
  return { seed: ctx.seed, schedule: schedule.map((f) => ({ ...f })) };
}

export const NEMESIS_SCENARIOS = {
  isolate,
  bridge,
  flap,
  'clock-jump': clockJump,
  random,
} as const;
