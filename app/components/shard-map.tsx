'use client';
/**
 * One cell per shard, coloured by owner: epoch and claimants on hover, conflicting owners flagged,
 * handoffs marked, and a legend that doubles as "shards per node".
 */
import { memo } from 'react';
import type { ModelShard } from '../../protocol/model.ts';
import { CONFLICT_COLOR, shardColor, UNOWNED_COLOR } from '../lib/colors.ts';
import { shortName } from '../lib/format.ts';
import { shardsPerOwner, shardTitle } from '../lib/shards.ts';

export interface ShardMapProps {
  readonly shards: readonly ModelShard[];
  readonly colors: ReadonlyMap<string, string>;
}

export const ShardMap = memo(function ShardMap({ shards, colors }: ShardMapProps) {
  const counts = shardsPerOwner(shards);
  const conflicts = shards.filter((s) => s.conflict).length;
  const handoffs = shards.filter((s) => s.handoff).length;
  return (
    <section className="panel" aria-labelledby="shards-title">
      <div className="panel-head">
        <h2 id="shards-title">Shards</h2>
        <span className="muted" data-testid="shard-summary">
          {shards.length} shards
          {conflicts > 0 && (
            <strong className="danger">
              {' '}
              · {conflicts} conflicting claim{conflicts === 1 ? '' : 's'}
            </strong>
          )}
          {handoffs > 0 && ` · ${handoffs} handoff${handoffs === 1 ? '' : 's'} in flight`}
        </span>
      </div>
      {shards.length === 0 ? (
        <p className="hint">No node reports shards yet.</p>
      ) : (
        <ol className="shard-grid" aria-label="Shard map">
          {shards.map((s) => (
            <ShardCell
              key={s.shard}
              shard={s.shard}
              owner={s.owner}
              conflict={s.conflict}
              handoff={s.handoff}
              color={shardColor(s.owner, colors)}
              title={shardTitle(s)}
            />
          ))}
        </ol>
      )}
      <ul className="legend" aria-label="Shards per node">
        {[...counts].map(([owner, n]) => (
          <li key={owner ?? '(none)'} data-testid="shard-legend" data-owner={owner ?? ''}>
            <span
              className="swatch"
              style={{ background: owner === null ? UNOWNED_COLOR : shardColor(owner, colors) }}
            />{' '}
            {owner === null ? 'no owner' : shortName(owner)}: {n}
          </li>
        ))}
      </ul>
    </section>
  );
});

/** One cell; plain-value props, so a model update redraws only the shards whose owner or epoch moved. */
const ShardCell = memo(function ShardCell({
  shard,
  owner,
  conflict,
  handoff,
  color,
  title,
}: {
  shard: number;
  owner: string | null;
  conflict: boolean;
  handoff: boolean;
  color: string;
  title: string;
}) {
  return (
    <li
      className={`shard${conflict ? ' conflict' : ''}${handoff ? ' handoff' : ''}`}
      style={{ background: color, outlineColor: conflict ? CONFLICT_COLOR : undefined }}
      title={title}
      data-testid="shard"
      data-shard={shard}
      data-owner={owner ?? ''}
      aria-label={title}
    >
      {shard}
      {conflict && <span aria-hidden="true">!</span>}
    </li>
  );
});
