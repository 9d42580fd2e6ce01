'use client';
/** A row of buttons of which exactly one is checked: the dashboard's toggles (grouping, percentile). */

export interface RadioGroupProps<T extends string> {
  /** accessible name of the group */
  readonly label: string;
  readonly options: readonly T[];
  readonly value: T;
  readonly onChange: (value: T) => void;
  /** the text of an option's button; default the option itself */
  readonly text?: (option: T) => string;
}

export function RadioGroup<T extends string>({
  label,
  options,
  value,
  onChange,
  text,
}: RadioGroupProps<T>) {
  return (
    <div role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <button
          key={o}
          type="button"
          role="radio"
          aria-checked={value === o}
          onClick={() => onChange(o)}
        >
          {text === undefined ? o : text(o)}
        </button>
      ))}
    </div>
  );
}
