'use client';
/** One row per node: status, shards, and its Kill and Restart buttons. */
import type { ModelNode } from '../../protocol/model.ts';
import { formatDuration, shortName } from '../lib/format.ts';

export interface NodeControlsProps {
  readonly nodes: readonly ModelNode[];
  readonly enabled: boolean;
  readonly now: number;
  readonly colors: ReadonlyMap<string, string>;
  readonly onKill: (node: string) => void;
  readonly onRestart: (node: string) => void;
}

export function NodeControls({
  nodes,
  enabled,
  now,
  colors,
  onKill,
  onRestart,
}: NodeControlsProps) {
  return (
    <table className="data" aria-label="Nodes">
      <thead>
        <tr>
          <th scope="col">node</th>
          <th scope="col">status</th>
          <th scope="col">shards</th>
          <th scope="col">sees</th>
          <th scope="col">actions</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <tr key={n.name} data-testid="node-row" data-node={n.name} data-status={n.status}>
            <th scope="row">
              <span className="swatch" style={{ background: colors.get(n.name) }} /> {n.name}
              {n.hidden && <span className="muted"> (hidden)</span>}
            </th>
            <td>
              <span className={`status status-${n.status}`}>{n.status}</span>{' '}
              <span className="muted">for {formatDuration(now - n.since)}</span>
            </td>
            <td className="num">{n.shardsOwned}</td>
            <td>{n.view === null ? '—' : n.view.nodes.map(shortName).join(', ') || 'nobody'}</td>
            <td className="toolbar">
              <button
                type="button"
                className="danger"
                disabled={!enabled}
                onClick={() => onKill(n.name)}
              >
                Kill {shortName(n.name)}
              </button>
              <button type="button" disabled={!enabled} onClick={() => onRestart(n.name)}>
                Restart {shortName(n.name)}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
