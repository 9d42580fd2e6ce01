'use client';
/** The time range of every chart and the timeline: 5 min, 1 h, 24 h (live) or a custom window. */
import { useState } from 'react';
import type { RangeKind, TimeRange } from '../lib/history.ts';

export interface RangePickerProps {
  readonly range: TimeRange;
  readonly onChange: (range: TimeRange) => void;
}

const LABELS: Readonly<Record<RangeKind, string>> = {
  '5m': '5 min',
  '1h': '1 h',
  '24h': '24 h',
  custom: 'Custom',
};

// datetime-local wants local time without a zone: YYYY-MM-DDTHH:MM
const toInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

export function RangePicker({ range, onChange }: RangePickerProps) {
  const [from, setFrom] = useState(() => toInput(Date.now() - 15 * 60_000));
  const [to, setTo] = useState(() => toInput(Date.now()));
  const [open, setOpen] = useState(range.kind === 'custom');
  const [error, setError] = useState<string | null>(null);
  const apply = () => {
    const f = new Date(from).getTime();
    const t = new Date(to).getTime();
    if (!Number.isFinite(f) || !Number.isFinite(t) || f >= t) {
      setError('The start must be before the end.');
      return;
    }
    setError(null);
    onChange({ kind: 'custom', from: f, to: t });
  };
  return (
    <div className="range-picker">
      <div role="radiogroup" aria-label="Time range">
        {(['5m', '1h', '24h', 'custom'] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="radio"
            aria-checked={range.kind === k}
            onClick={() => {
              if (k === 'custom') setOpen(true);
              else {
                setOpen(false);
                onChange({ kind: k });
              }
            }}
          >
            {LABELS[k]}
          </button>
        ))}
      </div>
      {open && (
        <div className="custom-range">
          <label>
            From{' '}
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="button" onClick={apply}>
            Apply range
          </button>
          {error && <span role="alert">{error}</span>}
        </div>
      )}
    </div>
  );
}
