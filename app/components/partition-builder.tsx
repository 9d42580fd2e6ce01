'use client';
/**
 * Put nodes on side A or B, then Partition: every node of one side loses the other side. From
 * COMPACT_CONTROLS_MIN_NODES on, a filter narrows the list: placed nodes and the first few
 * matches get a side chooser, and the filter's matches can be placed all at once.
 */
import { memo, useState } from 'react';
import { shortName } from '../lib/format.ts';
import {
  COMPACT_CONTROLS_MIN_NODES,
  matchNodes,
  pickerRows,
  placeAll,
} from '../lib/node-picker.ts';
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
  const [query, setQuery] = useState('');
  const placed = new Map([...assignment].filter(([n]) => names.includes(n)));
  const plan = partitionSides(placed);
  const compact = names.length >= COMPACT_CONTROLS_MIN_NODES;
  const rows = compact ? pickerRows(names, placed, query) : { shown: names, more: 0 };
  const place = (targets: readonly string[], side: Side) =>
    setAssignment((m) => placeAll(m, targets, side));
  return (
    <fieldset className="partition" disabled={!enabled}>
      <legend>Partition builder</legend>
      {compact && (
        <div className="toolbar">
          <input
            type="search"
            placeholder="Find nodes (n4, @host…)"
            aria-label="Find nodes to place"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="button" onClick={() => place(matchNodes(names, query), 'A')}>
            Matches to side A
          </button>
          <button type="button" onClick={() => place(matchNodes(names, query), 'B')}>
            Matches to side B
          </button>
          <button type="button" onClick={() => setAssignment(new Map())}>
            Clear sides
          </button>
        </div>
      )}
      <ul className="sides">
        {rows.shown.map((name) => (
          <SideChooser
            key={name}
            name={name}
            side={placed.get(name) ?? null}
            onChoose={(s) => place([name], s)}
          />
        ))}
      </ul>
      {rows.more > 0 && (
        <p className="muted" data-testid="partition-more">
          {rows.more} more {rows.more === 1 ? 'node matches' : 'nodes match'}: narrow the filter or
          place the matches all at once.
        </p>
      )}
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

function SideChooser({
  name,
  side,
  onChoose,
}: {
  readonly name: string;
  readonly side: Side;
  readonly onChoose: (side: Side) => void;
}) {
  const short = shortName(name);
  return (
    <li>
      <span>{short}</span>
      <div role="radiogroup" aria-label={`Side of ${short}`}>
        {(['A', 'B', null] as const).map((s) => (
          <button
            key={s ?? 'none'}
            type="button"
            role="radio"
            aria-checked={side === s}
            aria-label={s === null ? `${short} on no side` : `${short} on side ${s}`}
            onClick={() => onChoose(s)}
          >
            {s ?? '—'}
          </button>
        ))}
      </div>
    </li>
  );
}
