'use client';
/**
 * The accessible side of the canvas topology: one row per node (status, how many peers its own
 * view lists, a per-node label such as its runtime) with a button to see the cluster as that node
 * does, and the links that are not up as buttons that select them. Rows are memoized with plain
 * values, so a model at 100 nodes re-renders only the rows that changed.
 */
import { memo } from 'react';
import type { ModelNode } from '../../protocol/model.ts';
import { formatBytes, runtimeLabel, shortName } from '../lib/format.ts';
import type { DrawnLink } from '../lib/topology.ts';
import { ColumnHeads } from './column-heads.tsx';

/** Links listed by name at most; the canvas shows them all. */
export const LISTED_PROBLEM_LINKS = 40;

/** A short per-node label (the runtime of a BEAM node); empty for a TypeScript node. */
export function nodeLabel(node: ModelNode): string {
  return runtimeLabel(node) ?? '';
}

export interface TopologyTableProps {
  readonly nodes: readonly ModelNode[];
  readonly problemLinks: readonly DrawnLink[];
  readonly viewer: string | null;
  readonly onViewer: (node: string | null) => void;
  readonly selected: string | null;
  readonly onSelect: (link: DrawnLink | null) => void;
  /** names the viewer's own view lists; null when no viewer */
  readonly seen: ReadonlySet<string> | null;
}

export const TopologyTable = memo(function TopologyTable({
  nodes,
  problemLinks,
  viewer,
  onViewer,
  selected,
  onSelect,
  seen,
}: TopologyTableProps) {
  const others = nodes.length - 1;
  return (
    <div className="topology-table">
      <details open={problemLinks.length > 0}>
        <summary data-testid="problem-links-summary">
          {problemLinks.length === 0
            ? 'Every link is up'
            : `${problemLinks.length} link${problemLinks.length === 1 ? '' : 's'} not up`}
        </summary>
        <ul className="problem-links" aria-label="Links that are not up">
          {problemLinks.slice(0, LISTED_PROBLEM_LINKS).map((l) => (
            <li key={l.key}>
              <button
                type="button"
                data-testid="link"
                data-state={l.look}
                aria-pressed={selected === l.key}
                onClick={() => onSelect(selected === l.key ? null : l)}
              >
                {`Link ${shortName(l.a)}–${shortName(l.b)}: ${l.look}, ${formatBytes(l.bytesPerSec)}/s`}
              </button>
            </li>
          ))}
          {problemLinks.length > LISTED_PROBLEM_LINKS && (
            <li className="muted">and {problemLinks.length - LISTED_PROBLEM_LINKS} more</li>
          )}
        </ul>
      </details>
      <details>
        <summary>Nodes ({nodes.length})</summary>
        <table aria-label="Topology nodes">
          <ColumnHeads columns={['node', 'status', 'sees', 'label']} />
          <tbody>
            {nodes.map((n) => (
              <NodeRow
                key={n.name}
                name={n.name}
                status={n.status}
                hidden={n.hidden}
                sees={n.view === null ? null : n.view.nodes.length}
                others={others}
                label={nodeLabel(n)}
                isViewer={viewer === n.name}
                seen={seen === null || n.name === viewer || seen.has(n.name)}
                onViewer={onViewer}
              />
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
});

const NodeRow = memo(function NodeRow({
  name,
  status,
  hidden,
  sees,
  others,
  label,
  isViewer,
  seen,
  onViewer,
}: {
  name: string;
  status: ModelNode['status'];
  hidden: boolean;
  sees: number | null;
  others: number;
  label: string;
  isViewer: boolean;
  seen: boolean;
  onViewer: (node: string | null) => void;
}) {
  return (
    <tr
      data-testid="topology-node"
      data-node={name}
      data-status={status}
      data-seen={seen ? 'yes' : 'no'}
      aria-label={`${name}: ${status}${hidden ? ', hidden' : ''}`}
    >
      <th scope="row">
        <button
          type="button"
          aria-pressed={isViewer}
          aria-label={`View the cluster as ${name}`}
          onClick={() => onViewer(isViewer ? null : name)}
        >
          {shortName(name)}
        </button>
      </th>
      <td className={`status-${status}`}>{status}</td>
      <td>{sees === null ? '—' : `${sees}/${others}`}</td>
      <td>{label}</td>
    </tr>
  );
});
