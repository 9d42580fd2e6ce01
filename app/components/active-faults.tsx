'use client';
/** Faults in force, with the time left before each reverts by itself. */
import { memo } from 'react';
import type { ModelFault } from '../../protocol/model.ts';
import { useNow } from '../hooks/use-now.ts';
import { formatDuration, shortName } from '../lib/format.ts';

export const ActiveFaults = memo(function ActiveFaults({
  faults,
}: {
  faults: readonly ModelFault[];
}) {
  const now = useNow();
  if (faults.length === 0)
    return (
      <p className="muted" data-testid="faults">
        No faults in force.
      </p>
    );
  return (
    <ul className="faults" data-testid="faults" aria-label="Faults in force">
      {faults.map((f) => (
        <li key={`${f.id}-${f.node}`} data-testid="fault" data-kind={f.kind} data-node={f.node}>
          <strong>{f.kind}</strong> on {shortName(f.node)} → {f.peers.map(shortName).join(', ')}
          {f.kind === 'latency' && ` (+${f.delayMs ?? 0} ± ${f.jitterMs ?? 0} ms)`} —{' '}
          <span className="muted">reverts in {formatDuration(Math.max(0, f.expiresAt - now))}</span>
        </li>
      ))}
    </ul>
  );
});
