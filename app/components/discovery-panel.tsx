'use client';
/**
 * The discovery debugger: for one node, what its strategy found, whether each target is linked,
 * the latest connect attempts with their results, and the strategy's counters and last error.
 */
import { memo, useState } from 'react';
import {
  attemptText,
  discoveryTargets,
  nodesWithDiscovery,
  type DiscoveryNode,
} from '../lib/discovery.ts';
import { clockTime, shortName } from '../lib/format.ts';
import { ColumnHeads } from './column-heads.tsx';

export interface DiscoveryPanelProps {
  /** keep stable while the content is the same: the panel is memoized */
  readonly nodes: readonly DiscoveryNode[];
}

export const DiscoveryPanel = memo(function DiscoveryPanel({ nodes }: DiscoveryPanelProps) {
  const reporting = nodesWithDiscovery(nodes);
  const [chosen, setChosen] = useState<string | null>(null);
  const node = reporting.find((n) => n.name === chosen) ?? reporting[0];
  const d = node?.discovery;
  return (
    <section className="panel" aria-labelledby="discovery-title" data-testid="discovery">
      <div className="panel-head">
        <h2 id="discovery-title">Discovery</h2>
        {reporting.length > 0 && (
          <label>
            node{' '}
            <select
              aria-label="Discovery of node"
              value={node?.name ?? ''}
              onChange={(e) => setChosen(e.target.value)}
            >
              {reporting.map((n) => (
                <option key={n.name} value={n.name}>
                  {shortName(n.name)}
                  {n.status === 'up' ? '' : ` (${n.status}, last report)`}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {node === undefined || d === undefined || d === null ? (
        <p className="hint">
          No node reports discovery yet: nodes started with <code>--discovery</code> and an agent
          show here what their strategy found and every connect attempt.
        </p>
      ) : (
        <>
          <p className={node.status === 'up' ? '' : 'muted'}>
            <strong>{d.strategy}</strong> · {d.targetCount} target{d.targetCount === 1 ? '' : 's'}
            {d.targetCount > d.targets.length ? ` (first ${d.targets.length} listed)` : ''}
            {d.targetsAt === null
              ? ' · none reported yet'
              : ` · reported ${clockTime(d.targetsAt)}`}
            {' · '}
            connects {d.connects.ok} ok, {d.connects.failed} failed
          </p>
          {d.lastError !== null && (
            <p role="status" className="danger">
              {d.lastError.code}: {d.lastError.message} ({clockTime(d.lastError.at)})
            </p>
          )}
          <table className="data" aria-label={`Discovery targets of ${shortName(node.name)}`}>
            <ColumnHeads columns={['target', 'node', 'linked', 'latest attempt']} />
            <tbody>
              {discoveryTargets(node, nodes).map((r) => (
                <tr key={r.target}>
                  <td>{r.target}</td>
                  <td>{r.node === null ? '—' : shortName(r.node)}</td>
                  <td>{r.linked ? 'yes' : 'no'}</td>
                  <td>
                    {r.last === null
                      ? '—'
                      : `#${r.last.attempt} ${attemptText(r.last)} · ${clockTime(r.last.at)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Counters title="ignored announcements" values={d.ignored} />
          <Counters title={`${d.strategy} counters`} values={d.stats} />
        </>
      )}
    </section>
  );
});

function Counters({ title, values }: { title: string; values: Record<string, number> }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return null;
  return (
    <p className="muted">
      {title}: {entries.map(([k, v]) => `${k} ${v}`).join(' · ')}
    </p>
  );
}
