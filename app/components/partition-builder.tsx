'use client';
/** Put nodes on side A or B, then Partition: every node of one side loses the other side. */
import { useState } from 'react';
import type { ModelNode } from '../../protocol/model.ts';
import { shortName } from '../lib/format.ts';
import { partitionSides, type Side } from '../lib/partition.ts';

export interface PartitionBuilderProps {
  readonly nodes: readonly ModelNode[];
  readonly enabled: boolean;
  readonly onPartition: (sides: [string[], string[]]) => void;
  readonly onHeal: () => void;
}

export function PartitionBuilder({ nodes, enabled, onPartition, onHeal }: PartitionBuilderProps) {
  const [assignment, setAssignment] = useState<ReadonlyMap<string, Side>>(new Map());
  const plan = partitionSides(
    new Map([...assignment].filter(([n]) => nodes.some((m) => m.name === n))),
  );
  return (
    <fieldset className="partition" disabled={!enabled}>
      <legend>Partition builder</legend>
      <ul className="sides">
        {nodes
          .filter((n) => !n.hidden)
          .map((n) => {
            const side = assignment.get(n.name) ?? null;
            return (
              <li key={n.name}>
                <span>{shortName(n.name)}</span>
                <div role="radiogroup" aria-label={`Side of ${shortName(n.name)}`}>
                  {(['A', 'B', null] as const).map((s) => (
                    <button
                      key={s ?? 'none'}
                      type="button"
                      role="radio"
                      aria-checked={side === s}
                      aria-label={
                        s === null
                          ? `${shortName(n.name)} on no side`
                          : `${shortName(n.name)} on side ${s}`
                      }
                      onClick={() => setAssignment((m) => new Map(m).set(n.name, s))}
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
}
