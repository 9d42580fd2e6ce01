'use client';
/** Form pieces the control panels share: a list of nodes to choose from, a bounded number. */
import { shortName } from '../lib/format.ts';

/** One `<option>` per node, valued by full name, labelled by short name. */
export function NodeOptions({ names }: { readonly names: readonly string[] }) {
  return names.map((n) => (
    <option key={n} value={n}>
      {shortName(n)}
    </option>
  ));
}

export interface NumberFieldProps {
  /** the visible label, which also names the input */
  readonly label: string;
  readonly value: number;
  readonly onChange: (value: number) => void;
  readonly min: number;
  readonly max: number;
}

/** A labelled number input. */
export function NumberField({ label, value, onChange, min, max }: NumberFieldProps) {
  return (
    <label>
      {label}{' '}
      <input
        type="number"
        min={min}
        max={max}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
      />
    </label>
  );
}
