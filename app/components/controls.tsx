'use client';
/**
 * Breaking the cluster on purpose: Kill/Restart per node, the partition builder, Heal and latency
 * injection. Each asks for confirmation stating its time limit; without an admin session every
 * control is disabled, with the reason shown.
 */
import { memo, useCallback, useState } from 'react';
import type { ModelFault, ModelNode } from '../../protocol/model.ts';
import type { Session } from '../hooks/use-session.ts';
import { describeControl, postJson, type ControlResult } from '../lib/api.ts';
import { formatDuration, shortName } from '../lib/format.ts';
import { ActiveFaults } from './active-faults.tsx';
import { ConfirmDialog, type ConfirmRequest } from './confirm-dialog.tsx';
import { LatencyForm } from './latency-form.tsx';
import { NodeControls } from './node-controls.tsx';
import { PartitionBuilder } from './partition-builder.tsx';

const DEFAULT_TTL_S = 60;

export interface ControlsProps {
  readonly nodes: readonly ModelNode[];
  /** names of the nodes that are not hidden, stable while the set is the same */
  readonly visible: readonly string[];
  readonly faults: readonly ModelFault[];
  readonly session: Session;
  readonly colors: ReadonlyMap<string, string>;
}

export const Controls = memo(function Controls({
  nodes,
  visible,
  faults,
  session,
  colors,
}: ControlsProps) {
  const [ttlS, setTtlS] = useState(DEFAULT_TTL_S);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const enabled = session.signedIn === true;
  const ttlMs = Math.round(Math.min(3_600, Math.max(1, ttlS)) * 1_000);

  // Stable callbacks: the node table and the forms are memoized and redraw only when they change.
  const ask = useCallback(
    (request: Omit<ConfirmRequest, 'run'>, action: string, body: unknown) =>
      setConfirm({
        ...request,
        run: async () => {
          const what = request.confirmLabel;
          setMessage({ text: `${what}…`, ok: true });
          const outcome = await postJson<ControlResult>(`/api/control/${action}`, body);
          if (outcome.status === 401) session.lost();
          setMessage({ text: describeControl(outcome, what), ok: outcome.ok });
        },
      }),
    [session],
  );
  const onKill = useCallback(
    (node: string) =>
      ask(
        {
          title: `Kill ${node}?`,
          body: `The node's process is killed at once; its peers see it go down and its shards move.`,
          limit: 'none — the node stays down until you Restart it',
          confirmLabel: `Kill ${shortName(node)}`,
        },
        'kill',
        { node },
      ),
    [ask],
  );
  const onRestart = useCallback(
    (node: string) =>
      ask(
        {
          title: `Restart ${node}?`,
          body: 'The lab starts the node again under the same name; it rejoins the mesh.',
          limit: 'none',
          confirmLabel: `Restart ${shortName(node)}`,
        },
        'restart',
        { node },
      ),
    [ask],
  );
  const ttlText = `reverts by itself after ${formatDuration(ttlMs)}`;
  const onPartition = useCallback(
    (sides: [string[], string[]]) =>
      ask(
        {
          title: 'Partition the cluster?',
          body: `Traffic between ${sides[0].map(shortName).join(', ')} and ${sides[1].map(shortName).join(', ')} is silently dropped (a blackhole), both ways.`,
          limit: ttlText,
          confirmLabel: 'Partition',
        },
        'partition',
        { sides, ttlMs },
      ),
    [ask, ttlText, ttlMs],
  );
  const onHeal = useCallback(
    () =>
      ask(
        {
          title: 'Heal every fault?',
          body: 'All partitions and latency faults are reverted on every node.',
          limit: 'none',
          confirmLabel: 'Heal',
        },
        'heal',
        {},
      ),
    [ask],
  );
  const onLatency = useCallback(
    (node: string, peer: string | null, delayMs: number, jitterMs: number) =>
      ask(
        {
          title: `Delay ${node}'s traffic?`,
          body: `Frames from ${shortName(node)} to ${peer === null ? 'every other node' : shortName(peer)} are delayed by ${delayMs} ± ${jitterMs} ms.`,
          limit: ttlText,
          confirmLabel: 'Inject latency',
        },
        'latency',
        peer === null
          ? { node, delayMs, jitterMs, ttlMs }
          : { node, peers: [peer], delayMs, jitterMs, ttlMs },
      ),
    [ask, ttlText, ttlMs],
  );

  return (
    <section className="panel" aria-labelledby="controls-title">
      <div className="panel-head">
        <h2 id="controls-title">Controls</h2>
        <label>
          Time limit (s){' '}
          <input
            type="number"
            min={1}
            max={3_600}
            value={ttlS}
            onChange={(e) => setTtlS(Number(e.target.value))}
            aria-label="Fault time limit in seconds"
          />
        </label>
      </div>
      {!enabled && (
        <p className="notice" data-testid="controls-disabled">
          Controls are disabled: they need the admin token. Sign in above with the token{' '}
          <code>observatory start</code> printed (or <code>OBSERVATORY_ADMIN_TOKEN</code>).
        </p>
      )}
      {message !== null && (
        <p role="status" className={message.ok ? 'ok' : 'danger'} data-testid="control-message">
          {message.text}
        </p>
      )}
      <NodeControls
        nodes={nodes}
        enabled={enabled}
        colors={colors}
        onKill={onKill}
        onRestart={onRestart}
      />
      <PartitionBuilder
        names={visible}
        enabled={enabled}
        onPartition={onPartition}
        onHeal={onHeal}
      />
      <LatencyForm names={visible} enabled={enabled} onLatency={onLatency} />
      <h3>Faults in force</h3>
      <ActiveFaults faults={faults} />
      {confirm !== null && <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />}
    </section>
  );
});
