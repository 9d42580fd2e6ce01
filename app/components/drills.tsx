'use client';
/**
 * Start a drill (every kind, and the negative controls: a drill run with the switch that defeats
 * it, which must fail), watch it run, read its verdict and past reports.
 */
import { memo, useCallback, useEffect, useState } from 'react';
import {
  DEFEATED_BY,
  DRILL_KINDS,
  UNSAFE_SWITCHES,
  useDrills,
  type Drill,
} from '../hooks/use-drills.ts';
import { clockTime } from '../lib/format.ts';
import { ColumnHeads } from './column-heads.tsx';
import { DrillRun } from './drill-run.tsx';

/** What a negative control breaks, in the words of docs/drills.md. */
const UNSAFE_BREAKS = {
  'no-store-fence': 'the store accepts a write whatever its epoch',
  'no-lease': 'every node acts as owner without a majority lease',
} as const;

/** `#drill=<id>` in the page's URL opens that run, so a run's view can be linked to. */
const HASH_PREFIX = '#drill=';

function runFromHash(): string | null {
  const hash = window.location.hash;
  return hash.startsWith(HASH_PREFIX) ? decodeURIComponent(hash.slice(HASH_PREFIX.length)) : null;
}

function verdict(d: Drill): string {
  if (d.status === 'running') return d.progress ?? 'running…';
  const r = d.report;
  if (r?.verdict !== undefined) return String(r.verdict);
  if (r?.passed !== undefined) return r.passed ? 'passed' : 'failed';
  return d.status;
}

export const Drills = memo(function Drills({ enabled }: { enabled: boolean }) {
  const { drills, available, error, start } = useDrills();
  const [message, setMessage] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const select = useCallback((id: string | null) => {
    setSelected(id);
    const url = id === null ? window.location.pathname : `${HASH_PREFIX}${encodeURIComponent(id)}`;
    window.history.replaceState(null, '', url);
  }, []);
  useEffect(() => {
    const fromHash = () => setSelected(runFromHash());
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, []);
  const running = drills.some((d) => d.status === 'running');
  return (
    <section className="panel" aria-labelledby="drills-title">
      <h2 id="drills-title">Drills</h2>
      <p className="hint" data-testid="drills-scope">
        A drill runs on its own throw-away cluster: it starts fresh node processes of its own,
        breaks them, checks that no write was doubled, then stops them. It never touches the lab
        nodes shown on this page, so the topology, shards and traffic above do not change; its
        progress and verdict are listed here, and the timeline marks when it ran.
      </p>
      {available === false && (
        <p className="notice" data-testid="drills-unavailable">
          Drills are not available on this server ({error ?? 'no drill API'}).
        </p>
      )}
      <div className="toolbar">
        {DRILL_KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            disabled={!enabled || available !== true || running}
            onClick={() =>
              void start(kind).then((r) => {
                setMessage(r.ok ? `Drill ${kind} started.` : `Drill ${kind}: ${r.message}`);
                // the run just started is the one to watch
                if (r.ok) select(r.data.id);
              })
            }
          >
            Start {kind} drill
          </button>
        ))}
      </div>
      <details className="negative-controls" data-testid="negative-controls">
        <summary>Negative controls — break the system on purpose</summary>
        <p className="notice">
          A negative control switches a safety mechanism off in the drill&apos;s own nodes, so that
          the drill <strong>must fail</strong>: it shows that the checkers catch what the mechanism
          prevents. Each switch runs only with the drill measured to defeat it.
        </p>
        <div className="toolbar">
          {UNSAFE_SWITCHES.map((unsafe) => {
            const kind = DEFEATED_BY[unsafe];
            return (
              <button
                key={unsafe}
                type="button"
                className="danger"
                title={`${kind} with --unsafe ${unsafe}: ${UNSAFE_BREAKS[unsafe]}; expected to fail`}
                disabled={!enabled || available !== true || running}
                onClick={() =>
                  void start(kind, unsafe).then((r) => {
                    setMessage(
                      r.ok
                        ? `Negative control ${kind} --unsafe ${unsafe} started: it must fail.`
                        : `Drill ${kind} --unsafe ${unsafe}: ${r.message}`,
                    );
                    if (r.ok) select(r.data.id);
                  })
                }
              >
                Start {kind} with {unsafe} (negative control, breaks the system)
              </button>
            );
          })}
        </div>
      </details>
      {!enabled && (
        <p className="muted">Drills break the cluster: sign in with the admin token to run one.</p>
      )}
      {message !== null && (
        <p role="status" data-testid="drill-message">
          {message}
        </p>
      )}
      {drills.length > 0 && (
        <table className="data" aria-label="Drill reports">
          <ColumnHeads columns={['started', 'kind', 'status', 'verdict', 'run']} />
          <tbody>
            {drills.map((d) => (
              <tr
                key={d.id}
                data-testid="drill"
                data-kind={d.kind}
                data-status={d.status}
                {...(d.unsafe !== undefined && { 'data-unsafe': d.unsafe })}
              >
                <td>{clockTime(d.startedAt)}</td>
                <td>
                  {d.kind}
                  {d.unsafe !== undefined && (
                    <span className="badge danger" title="expected to fail">
                      {' '}
                      negative control: {d.unsafe}
                    </span>
                  )}
                </td>
                <td>{d.status}</td>
                <td>
                  {verdict(d)}
                  {d.report !== undefined && (
                    <details>
                      <summary>report</summary>
                      <pre>{d.report.summary ?? JSON.stringify(d.report, null, 2)}</pre>
                    </details>
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    aria-pressed={selected === d.id}
                    aria-label={`View ${d.kind} drill run of ${clockTime(d.startedAt)}`}
                    onClick={() => select(selected === d.id ? null : d.id)}
                  >
                    View
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected !== null && <DrillRun id={selected} onClose={() => select(null)} />}
    </section>
  );
});
