'use client';
/** Put nodes on side A or B, then Partition: every node of one side loses the other side. */
import { memo, useState } from 'react';
import { shortName } from '../lib/format.ts';
import { partitionSides, type Side } from '../lib/partition.ts';

export interface PartitionBuilderProps {
  /** the nodes that can be placed (hidden ones excluded), stable while the set is the same */
  readonly names: readonly string[];
  readonly enabled: boolean;
  readonly onPartition: (sides: [string[], string[]]) => void;
  readonly onHeal: () => void;
}

export const PartitionBuilder = memo(function PartitionBuilder({
  names,
  enabled,
  onPartition,
  onHeal,
}: PartitionBuilderProps) {
  const [assignment, setAssignment] = useState<ReadonlyMap<string, Side>>(new Map());
  const plan = partitionSides(new Map([...assignment].filter(([n]) => names.includes(n))));
  return (
    <fieldset className="partition" disabled={!enabled}>
      <legend>Partition builder</legend>
      <ul className="sides">
        {names.map((name) => {
          const side = assignment.get(name) ?? null;
          return (
            <li key={name}>
              <span>{shortName(name)}</span>
              <div role="radiogroup" aria-label={`Side of ${shortName(name)}`}>
                {(['A', 'B', null] as const).map((s) => (
                  <button
                    key={s ?? 'none'}
                    type="button"
                    role="radio"
                    aria-checked={side === s}
                    aria-label={
                      s === null
                        ? `${shortName(name)} on no side`
                        : `${shortName(name)} on side ${s}`
                    }
                    onClick={() => setAssignment((m) => new Map(m).set(name, s))}
                  >
                    {s ?? '—'}
                  </button>
                ))}
              </div>
            </li>
          );
        })}
      </ul>
      <div className="toolbar">
        <button
          type="button"
          className="danger"
          disabled={!plan.ok}
          onClick={() => plan.ok && onPartition(plan.sides)}
        >
          Partition
        </button>
        <button type="button" onClick={onHeal}>
          Heal
        </button>
        <span className="muted">
          {plan.ok
            ? `${plan.sides[0].map(shortName).join(', ')} | ${plan.sides[1].map(shortName).join(', ')}`
            : plan.reason}
        </span>
      </div>
    </fieldset>
  );
});
