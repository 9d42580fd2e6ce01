'use client';
/** Sender × receiver bytes/s, all channels, from the latest traffic window. */
import { memo } from 'react';
import type { TrafficRow } from '../../protocol/model.ts';
import { useStaggered } from '../hooks/use-staggered.ts';
import { busiestNodes } from '../lib/busiest.ts';
import { formatBytes, shortName } from '../lib/format.ts';
import { buildMatrix, matrixShade } from '../lib/traffic.ts';

/**
 * Nodes shown at most: a matrix of 100 nodes is 10,000 cells, which the page restyles whenever
 * anything on it changes. A larger cluster shows its busiest senders and receivers.
 */
export const MATRIX_MAX_NODES = 32;

export interface TrafficMatrixProps {
  readonly rows: readonly TrafficRow[];
  readonly nodes: readonly string[];
}

/**
 * A thousand cells at 32 nodes, all changing with every traffic window: the table takes new rows
 * through the stagger queue, so its redraw is a task of its own, not part of the topology's.
 */
export const TrafficMatrix = memo(function TrafficMatrix(props: TrafficMatrixProps) {
  const shown = useStaggered(props);
  return <MatrixTable {...shown} />;
});

const MatrixTable = memo(function MatrixTable({ rows, nodes }: TrafficMatrixProps) {
  const shown = busiestNodes(rows, nodes, MATRIX_MAX_NODES);
  const m = buildMatrix(rows, shown);
  return (
    <section className="panel lazy" aria-labelledby="matrix-title">
      <h2 id="matrix-title">Bytes/s, sender × receiver</h2>
      {shown.length < nodes.length && (
        <p className="hint" data-testid="matrix-limited">
          The {shown.length} busiest of {nodes.length} nodes.
        </p>
      )}
      <div className="scroll-x">
        <table className="matrix" aria-label="Traffic matrix, bytes per second from row to column">
          <thead>
            <tr>
              <th scope="col">from \ to</th>
              {m.nodes.map((n) => (
                <th key={n} scope="col">
                  {shortName(n)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {m.nodes.map((from, i) => (
              <tr key={from}>
                <th scope="row">{shortName(from)}</th>
                {m.nodes.map((to, j) => {
                  const v = m.cells[i]?.[j] ?? 0;
                  return (
                    <td
                      key={to}
                      className="num"
                      title={`${from} → ${to}: ${formatBytes(v)}/s`}
                      style={{
                        background: `color-mix(in srgb, var(--accent) ${Math.round(matrixShade(v, m.max) * 70)}%, transparent)`,
                      }}
                    >
                      {i === j ? '—' : v > 0 ? formatBytes(v) : ''}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
});
