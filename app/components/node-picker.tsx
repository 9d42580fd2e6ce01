'use client';
/**
 * The node controls of a large cluster: one searchable node picker with the chosen node's status
 * and one Kill and one Restart button, instead of a table row and two buttons per node.
 */
import { memo, useState } from 'react';
import type { ModelNode } from '../../protocol/model.ts';
import { useNow } from '../hooks/use-now.ts';
import { formatDuration, shortName } from '../lib/format.ts';
import { matchNodes } from '../lib/node-picker.ts';

/** How many nodes that are not up the picker names as shortcuts. */
const NOT_UP_SHOWN = 10;

export interface NodePickerProps {
  readonly nodes: readonly ModelNode[];
  readonly enabled: boolean;
  readonly onKill: (node: string) => void;
  readonly onRestart: (node: string) => void;
}

export const NodePicker = memo(function NodePicker({
  nodes,
  enabled,
  onKill,
  onRestart,
}: NodePickerProps) {
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState('');
  const names = nodes.map((n) => n.name);
  const matches = matchNodes(names, query);
  // The choice follows the filter: a chosen node the filter hides gives way to the first match.
  const current = matches.includes(chosen) ? chosen : (matches[0] ?? '');
  const node = nodes.find((n) => n.name === current);
  const up = nodes.filter((n) => n.status === 'up').length;
  const notUp = nodes.filter((n) => n.status !== 'up');
  return (
    <div className="node-picker" role="group" aria-label="Node controls">
      <p data-testid="nodes-summary">
        {nodes.length} nodes: {up} up
        {notUp.length > 0 && `, ${notUp.length} not up`}
      </p>
      {notUp.length > 0 && (
        <p className="toolbar">
          <span className="muted">Not up:</span>
          {notUp.slice(0, NOT_UP_SHOWN).map((n) => (
            <button
              key={n.name}
              type="button"
              onClick={() => {
                setQuery('');
                setChosen(n.name);
              }}
            >
              Pick {shortName(n.name)}
            </button>
          ))}
          {notUp.length > NOT_UP_SHOWN && (
            <span className="muted">and {notUp.length - NOT_UP_SHOWN} more</span>
          )}
        </p>
      )}
      <div className="toolbar">
        <input
          type="search"
          placeholder="Find a node"
          aria-label="Find a node"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <select
          aria-label="Node to kill or restart"
          value={current}
          onChange={(e) => setChosen(e.target.value)}
        >
          {matches.length === 0 && <option value="">no node matches</option>}
          {matches.map((name) => (
            <option key={name} value={name}>
              {shortName(name)} — {nodes.find((n) => n.name === name)?.status ?? 'unknown'}
            </option>
          ))}
        </select>
        {node !== undefined && (
          <>
            <button
              type="button"
              className="danger"
              disabled={!enabled}
              onClick={() => onKill(node.name)}
            >
              Kill {shortName(node.name)}
            </button>
            <button type="button" disabled={!enabled} onClick={() => onRestart(node.name)}>
              Restart {shortName(node.name)}
            </button>
          </>
        )}
      </div>
      {node !== undefined && <Chosen node={node} />}
    </div>
  );
});

/** The chosen node's line: what the table row said for it. */
function Chosen({ node }: { readonly node: ModelNode }) {
  const now = useNow();
  const sees = node.view === null ? '—' : `${node.view.nodes.length} nodes`;
  return (
    <p data-testid="picked-node" data-node={node.name} data-status={node.status}>
      {node.name}
      {node.hidden && <span className="muted"> (hidden)</span>}:{' '}
      <span className={`status status-${node.status}`}>{node.status}</span>{' '}
      <span className="muted">for {formatDuration(now - node.since)}</span>, {node.shardsOwned}{' '}
      shards, sees {sees}
    </p>
  );
}
