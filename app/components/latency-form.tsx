'use client';
/** Delay one node's frames to one peer (or to every other node) by a fixed time plus jitter. */
import { memo, useState } from 'react';
import { NodeOptions, NumberField } from './node-fields.tsx';

/** The peer choice meaning "every other node". */
const EVERY_PEER = '';

/** Largest delay or jitter the form offers, ms. */
const MAX_MS = 60_000;

export interface LatencyFormProps {
  /** the nodes that can be chosen (hidden ones excluded), stable while the set is the same */
  readonly names: readonly string[];
  readonly enabled: boolean;
  /** `peer` null: every other node */
  readonly onLatency: (
    node: string,
    peer: string | null,
    delayMs: number,
    jitterMs: number,
  ) => void;
}

export const LatencyForm = memo(function LatencyForm({
  names,
  enabled,
  onLatency,
}: LatencyFormProps) {
  const [node, setNode] = useState('');
  const [peer, setPeer] = useState(EVERY_PEER);
  const [delay, setDelay] = useState(200);
  const [jitter, setJitter] = useState(50);
  const target = names.includes(node) ? node : (names[0] ?? '');
  const to = peer !== target && names.includes(peer) ? peer : EVERY_PEER;
  return (
    <fieldset className="latency" disabled={!enabled}>
      <legend>Latency injection</legend>
      <label>
        From node{' '}
        <select
          value={target}
          onChange={(e) => setNode(e.target.value)}
          aria-label="Delay frames from node"
        >
          <NodeOptions names={names} />
        </select>
      </label>{' '}
      <label>
        To{' '}
        <select value={to} onChange={(e) => setPeer(e.target.value)} aria-label="Delay frames to">
          <option value={EVERY_PEER}>every other node</option>
          <NodeOptions names={names.filter((n) => n !== target)} />
        </select>
      </label>{' '}
      <NumberField label="Delay (ms)" value={delay} onChange={setDelay} min={0} max={MAX_MS} />{' '}
      <NumberField label="Jitter (ms)" value={jitter} onChange={setJitter} min={0} max={MAX_MS} />{' '}
      <button
        type="button"
        disabled={target === ''}
        onClick={() => onLatency(target, to === EVERY_PEER ? null : to, delay, jitter)}
      >
        Inject latency
      </button>
    </fieldset>
  );
});
