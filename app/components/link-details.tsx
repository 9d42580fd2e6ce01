'use client';
/** The traffic of one selected link, per direction and channel: msg/s, bytes/s, payload percentiles. */
import type { TrafficRow } from '../../protocol/model.ts';
import { formatBytes, formatRate, shortName } from '../lib/format.ts';
import { rowsOfLink } from '../lib/traffic.ts';
import { ColumnHeads } from './column-heads.tsx';

export interface LinkDetailsProps {
  readonly a: string;
  readonly b: string;
  readonly state: string;
  readonly rows: readonly TrafficRow[];
  readonly onClose: () => void;
}

export function LinkDetails({ a, b, state, rows, onClose }: LinkDetailsProps) {
  const linkRows = rowsOfLink(rows, a, b);
  return (
    <section className="panel" aria-labelledby="link-title" data-testid="link-details">
      <div className="panel-head">
        <h2 id="link-title">
          Link {shortName(a)} ↔ {shortName(b)} <span className="muted">({state})</span>
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {linkRows.length === 0 ? (
        <p className="hint">No traffic on this link in the last window.</p>
      ) : (
        <table className="data">
          <ColumnHeads
            columns={['from → to', 'channel', 'msg/s', 'bytes/s', 'p50', 'p95', 'p99']}
          />
          <tbody>
            {linkRows.map((r) => (
              <tr key={`${r.from}>${r.to}:${r.channel}`}>
                <td>
                  {shortName(r.from)} → {shortName(r.to)}
                </td>
                <td>{r.channel}</td>
                <td className="num">{formatRate(r.msgPerSec)}</td>
                <td className="num">{formatBytes(r.bytesPerSec)}</td>
                <td className="num">{formatBytes(r.p50)}</td>
                <td className="num">{formatBytes(r.p95)}</td>
                <td className="num">{formatBytes(r.p99)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
