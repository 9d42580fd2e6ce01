'use client';
/**
 * One row per node: status, shards, and its Kill and Restart buttons; from
 * COMPACT_CONTROLS_MIN_NODES on, one node picker instead (the topology's table lists every node).
 */
import { memo } from 'react';
import type { ModelNode } from '../../protocol/model.ts';
import { useNow } from '../hooks/use-now.ts';
import { formatDuration, shortName } from '../lib/format.ts';
import { COMPACT_CONTROLS_MIN_NODES } from '../lib/node-picker.ts';
import { ColumnHeads } from './column-heads.tsx';
import { NodePicker } from './node-picker.tsx';

export interface NodeControlsProps {
  readonly nodes: readonly ModelNode[];
  readonly enabled: boolean;
  readonly colors: ReadonlyMap<string, string>;
  readonly onKill: (node: string) => void;
  readonly onRestart: (node: string) => void;
}

/**
 * The table is redrawn with every model (once a second at least); each row is memoized on plain
 * values and the "for 12 s" counters tick by themselves, so a redraw touches only rows that changed.
 */
export const NodeControls = memo(function NodeControls({
  nodes,
  enabled,
  colors,
  onKill,
  onRestart,
}: NodeControlsProps) {
  if (nodes.length >= COMPACT_CONTROLS_MIN_NODES) {
    return <NodePicker nodes={nodes} enabled={enabled} onKill={onKill} onRestart={onRestart} />;
  }
  return (
    <table className="data" aria-label="Nodes">
      <ColumnHeads columns={['node', 'status', 'shards', 'sees', 'actions']} />
      <tbody>
        {nodes.map((n) => (
          <NodeRow
            key={n.name}
            name={n.name}
            hidden={n.hidden}
            status={n.status}
            since={n.since}
            shards={n.shardsOwned}
            sees={n.view === null ? '—' : n.view.nodes.map(shortName).join(', ') || 'nobody'}
            color={colors.get(n.name)}
            enabled={enabled}
            onKill={onKill}
            onRestart={onRestart}
          />
        ))}
      </tbody>
    </table>
  );
});

const NodeRow = memo(function NodeRow({
  name,
  hidden,
  status,
  since,
  shards,
  sees,
  color,
  enabled,
  onKill,
  onRestart,
}: {
  name: string;
  hidden: boolean;
  status: ModelNode['status'];
  since: number;
  shards: number;
  sees: string;
  color: string | undefined;
  enabled: boolean;
  onKill: (node: string) => void;
  onRestart: (node: string) => void;
}) {
  return (
    <tr data-testid="node-row" data-node={name} data-status={status}>
      <th scope="row">
        <span className="swatch" style={{ background: color }} /> {name}
        {hidden && <span className="muted"> (hidden)</span>}
      </th>
      <td>
        <span className={`status status-${status}`}>{status}</span>{' '}
        <span className="muted">
          for <Elapsed since={since} />
        </span>
      </td>
      <td className="num">{shards}</td>
      <td>{sees}</td>
      <td className="toolbar">
        <button type="button" className="danger" disabled={!enabled} onClick={() => onKill(name)}>
          Kill {shortName(name)}
        </button>
        <button type="button" disabled={!enabled} onClick={() => onRestart(name)}>
          Restart {shortName(name)}
        </button>
      </td>
    </tr>
  );
});

/** Time since `since`, ticking every second on its own. */
function Elapsed({ since }: { since: number }) {
  const now = useNow();
  return <>{formatDuration(now - since)}</>;
}
