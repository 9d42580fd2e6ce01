'use client';
/**
 * One drill run (`GET /api/drills/:id`): its verdict, the checkers' verdicts and the time the
 * history check took, the clients' history as a timeline, on a failure the checker's smallest
 * failing window (outlined in the timeline and listed with clients and values), and the history
 * file as a download.
 */
import { memo } from 'react';
import type { DrillView } from '../../protocol/http.ts';
import { useDrillRun } from '../hooks/use-drill-run.ts';
import { runTime } from '../lib/drill-timeline.ts';
import { clockTime, formatBytes } from '../lib/format.ts';
import { DrillTimelineChart } from './drill-timeline.tsx';
import { ColumnHeads } from './column-heads.tsx';

/** The parts of the drill report (cli/drill/report.ts) this view reads. */
interface WindowOpView {
  readonly process: number;
  readonly op: string;
  readonly type: string;
  readonly invokeTime: number;
  readonly completeTime: number | null;
}
interface Linearizability {
  readonly verdict?: string;
  readonly model?: string;
  readonly operations?: number;
  readonly keys?: number;
  readonly elapsedMs?: number;
  readonly failures?: readonly {
    readonly key: string | number;
    readonly minimal?: boolean;
    readonly window?: readonly WindowOpView[];
  }[];
}

const asObject = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const text = (v: unknown, empty = '—'): string =>
  v === undefined || v === null ? empty : typeof v === 'string' ? v : JSON.stringify(v);

const nsToRun = (ns: number | null) => runTime(ns === null ? null : ns / 1e6);

function verdictClass(v: unknown): string {
  return v === 'pass' ? 'ok' : v === 'fail' ? 'danger' : '';
}

function Summary({ view }: { view: DrillView }) {
  const report = asObject(view.report);
  const lin = asObject(report.linearizability) as Linearizability;
  const violations = Array.isArray(report.violations)
    ? (report.violations as { kind?: unknown; detail?: unknown }[])
    : [];
  const verdict = view.status === 'running' ? 'running' : text(report.verdict, view.status);
  return (
    <>
      <dl className="stats compact">
        <div>
          <dt>verdict</dt>
          <dd className={verdictClass(report.verdict)} data-testid="drill-verdict">
            {verdict}
          </dd>
        </div>
        <div>
          <dt>linearizability checker</dt>
          <dd className={verdictClass(lin.verdict)} data-testid="drill-checker">
            {lin.verdict ?? '—'}
          </dd>
        </div>
        <div>
          <dt>history checked in</dt>
          <dd data-testid="drill-checker-time">
            {typeof lin.elapsedMs === 'number' ? `${lin.elapsedMs.toFixed(1)} ms` : '—'}
          </dd>
        </div>
        <div>
          <dt>epoch checks</dt>
          <dd className={verdictClass(report.checker)}>{text(report.checker)}</dd>
        </div>
        {typeof report.durationMs === 'number' && (
          <div>
            <dt>run took</dt>
            <dd>{(report.durationMs / 1_000).toFixed(1)} s</dd>
          </div>
        )}
      </dl>
      {lin.verdict !== undefined && (
        <p className="hint">
          {lin.operations ?? 0} client operations over {lin.keys ?? 0} keys checked with the{' '}
          {lin.model ?? ''} model.
        </p>
      )}
      {view.error !== undefined && (
        <p className="notice" data-testid="drill-run-error">
          {view.error.split('\n')[0]}
        </p>
      )}
      {violations.length > 0 && (
        <details data-testid="drill-violations">
          <summary>{violations.length} violations found by the epoch checks</summary>
          <ul>
            {violations.slice(0, 20).map((v, i) => (
              <li key={i}>
                <code>{text(v.kind)}</code> {text(v.detail, '')}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

function FailingWindows({ view }: { view: DrillView }) {
  const lin = asObject(asObject(view.report).linearizability) as Linearizability;
  const failures = lin.failures ?? [];
  if (failures.length === 0) return null;
  return (
    <div data-testid="drill-windows">
      <h4>Not linearizable: the smallest failing windows</h4>
      {failures.map((f) => (
        <table
          key={String(f.key)}
          className="data"
          data-testid="drill-window"
          aria-label={`Failing window of key ${JSON.stringify(f.key)}`}
        >
          <caption>
            key {JSON.stringify(f.key)}: no linearization of these {f.window?.length ?? 0}{' '}
            operations{f.minimal === false ? ' (search budget ran out: may not be smallest)' : ''}
          </caption>
          <ColumnHeads columns={['client', 'operation', 'outcome', 'invoked', 'completed']} />
          <tbody>
            {(f.window ?? []).map((o, i) => (
              <tr key={i}>
                <td>process {o.process}</td>
                <td>
                  <code>{o.op}</code>
                </td>
                <td>{o.type}</td>
                <td className="num">{nsToRun(o.invokeTime)}</td>
                <td className="num">{nsToRun(o.completeTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

export const DrillRun = memo(function DrillRun({
  id,
  onClose,
}: {
  id: string;
  onClose: () => void;
}) {
  const { view, error } = useDrillRun(id);
  return (
    <section
      className="drill-run"
      aria-labelledby="drill-run-title"
      data-testid="drill-run"
      data-status={view?.status ?? 'loading'}
    >
      <div className="panel-head">
        <h3 id="drill-run-title">
          Drill run {view === null ? '' : `${view.kind} · ${clockTime(view.startedAt)}`}
        </h3>
        <button type="button" onClick={onClose}>
          Close run
        </button>
      </div>
      {error !== null && <p className="notice">{error}</p>}
      {view === null && error === null && <p className="muted">Loading…</p>}
      {view !== null && (
        <>
          <Summary view={view} />
          {view.historyFile !== null ? (
            <p>
              <a
                href={view.historyFile.url}
                download
                data-testid="drill-history-download"
              >{`Download the history (${formatBytes(view.historyFile.bytes)}, JSON lines)`}</a>
            </p>
          ) : null}
          {view.timeline !== null ? (
            <DrillTimelineChart timeline={view.timeline} />
          ) : (
            <p className="muted" data-testid="drill-timeline-note">
              {view.timelineNote ?? 'No timeline.'}
            </p>
          )}
          <FailingWindows view={view} />
        </>
      )}
    </section>
  );
});
