'use client';
/** Delay one node's frames to every other node by a fixed time plus jitter. */
import { useState } from 'react';
import type { ModelNode } from '../../protocol/model.ts';
import { shortName } from '../lib/format.ts';

export interface LatencyFormProps {
  readonly nodes: readonly ModelNode[];
  readonly enabled: boolean;
  readonly onLatency: (node: string, delayMs: number, jitterMs: number) => void;
}

export function LatencyForm({ nodes, enabled, onLatency }: LatencyFormProps) {
  const [node, setNode] = useState('');
  const [delay, setDelay] = useState(200);
  const [jitter, setJitter] = useState(50);
  const target = node !== '' ? node : (nodes[0]?.name ?? '');
  return (
    <fieldset className="latency" disabled={!enabled}>
      <legend>Latency injection</legend>
      <label>
        Node{' '}
        <select value={target} onChange={(e) => setNode(e.target.value)}>
          {nodes.map((n) => (
            <option key={n.name} value={n.name}>
              {shortName(n.name)}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        Delay (ms){' '}
        <input
          type="number"
          min={0}
          max={60_000}
          value={delay}
          onChange={(e) => setDelay(Number(e.target.value))}
        />
      </label>{' '}
      <label>
        Jitter (ms){' '}
        <input
          type="number"
          min={0}
          max={60_000}
          value={jitter}
          onChange={(e) => setJitter(Number(e.target.value))}
        />
      </label>{' '}
      <button
        type="button"
        disabled={target === ''}
        onClick={() => onLatency(target, delay, jitter)}
      >
        Inject latency
      </button>
    </fieldset>
  );
}
