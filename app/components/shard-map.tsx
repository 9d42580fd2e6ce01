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
            <li
              key={s.shard}
              className={`shard${s.conflict ? ' conflict' : ''}${s.handoff ? ' handoff' : ''}`}
              style={{
                background: shardColor(s.owner, colors),
                outlineColor: s.conflict ? CONFLICT_COLOR : undefined,
              }}
              title={shardTitle(s)}
              data-testid="shard"
              data-shard={s.shard}
              data-owner={s.owner ?? ''}
              aria-label={shardTitle(s)}
            >
              {s.shard}
              {s.conflict && <span aria-hidden="true">!</span>}
            </li>
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
