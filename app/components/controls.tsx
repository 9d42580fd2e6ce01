'use client';
/**
 * Breaking the cluster on purpose: Kill/Restart per node, the partition builder, Heal and latency
 * injection. Each asks for confirmation stating its time limit; without an admin session every
 * control is disabled, with the reason shown.
 */
import { useState } from 'react';
import type { ClusterModel } from '../../protocol/model.ts';
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
  readonly model: ClusterModel;
  readonly session: Session;
  readonly now: number;
  readonly colors: ReadonlyMap<string, string>;
}

export function Controls({ model, session, now, colors }: ControlsProps) {
  const [ttlS, setTtlS] = useState(DEFAULT_TTL_S);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const enabled = session.signedIn === true;
  const ttlMs = Math.round(Math.min(3_600, Math.max(1, ttlS)) * 1_000);
  const ttlText = `reverts by itself after ${formatDuration(ttlMs)}`;

  const run = async (action: string, body: unknown, what: string) => {
    setMessage({ text: `${what}…`, ok: true });
    const outcome = await postJson<ControlResult>(`/api/control/${action}`, body);
    if (outcome.status === 401) session.lost();
    setMessage({ text: describeControl(outcome, what), ok: outcome.ok });
  };
  const ask = (request: Omit<ConfirmRequest, 'run'>, action: string, body: unknown) =>
    setConfirm({ ...request, run: () => run(action, body, request.confirmLabel) });

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
        nodes={model.nodes}
        enabled={enabled}
        now={now}
        colors={colors}
        onKill={(node) =>
          ask(
            {
              title: `Kill ${node}?`,
              body: `The node's process is killed at once; its peers see it go down and its shards move.`,
              limit: 'none — the node stays down until you Restart it',
              confirmLabel: `Kill ${shortName(node)}`,
            },
            'kill',
            { node },
          )
        }
        onRestart={(node) =>
          ask(
            {
              title: `Restart ${node}?`,
              body: 'The lab starts the node again under the same name; it rejoins the mesh.',
              limit: 'none',
              confirmLabel: `Restart ${shortName(node)}`,
            },
            'restart',
            { node },
          )
        }
      />
      <PartitionBuilder
        nodes={model.nodes}
        enabled={enabled}
        onPartition={(sides) =>
          ask(
            {
              title: 'Partition the cluster?',
              body: `Traffic between ${sides[0].map(shortName).join(', ')} and ${sides[1].map(shortName).join(', ')} is silently dropped (a blackhole), both ways.`,
              limit: ttlText,
              confirmLabel: 'Partition',
            },
            'partition',
            { sides, ttlMs },
          )
        }
        onHeal={() =>
          ask(
            {
              title: 'Heal every fault?',
              body: 'All partitions and latency faults are reverted on every node.',
              limit: 'none',
              confirmLabel: 'Heal',
            },
            'heal',
            {},
          )
        }
      />
      <LatencyForm
        nodes={model.nodes}
        enabled={enabled}
        onLatency={(node, delayMs, jitterMs) =>
          ask(
            {
              title: `Delay ${node}'s traffic?`,
              body: `Frames from ${shortName(node)} to every other node are delayed by ${delayMs} ± ${jitterMs} ms.`,
              limit: ttlText,
              confirmLabel: 'Inject latency',
            },
            'latency',
            { node, delayMs, jitterMs, ttlMs },
          )
        }
      />
      <h3>Faults in force</h3>
      <ActiveFaults faults={model.faults} now={now} />
      {confirm !== null && <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />}
    </section>
  );
}
