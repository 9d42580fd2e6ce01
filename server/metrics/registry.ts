/**
 * Counters and gauges with labels, rendered in the Prometheus text exposition format (0.0.4).
 * Small on purpose: the server exports a few dozen series, not a client library's worth.
 */

export type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly values: Map<string, { labels: Labels; value: number }>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** One counter family: adds `by` (1) to the series of `labels` ({}). */
export type Counter = (labels?: Labels, by?: number) => void;

/** One gauge family: `set` replaces one series, `reset` drops all. */
export interface Gauge {
  set(labels: Labels, value: number): void;
  reset(): void;
}

/** A set of metric families; gauges computed at scrape time come from `collect` callbacks. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors: (() => void)[] = [];

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (f === undefined) {
      f = { name, help, type, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  /** Declares a counter so it is exported (as 0) before its first increment. */
  counter(name: string, help: string): Counter {
    const f = this.family(name, help, 'counter');
    return (labels = {}, by = 1) => {
      const key = labelKey(labels);
      const entry = f.values.get(key);
      if (entry === undefined) f.values.set(key, { labels, value: by });
      else entry.value += by;
    };
  }

  /** Declares a gauge; `set` replaces one series, `reset` drops all (before a full re-collect). */
  gauge(name: string, help: string): Gauge {
    const f = this.family(name, help, 'gauge');
    return {
      set: (labels, value) => f.values.set(labelKey(labels), { labels, value }),
      reset: () => f.values.clear(),
    };
  }

  /** Declares one counter per entry of `table` (key → [name, help]), under the same keys. */
  counters<K extends string>(
    table: Readonly<Record<K, readonly [string, string]>>,
  ): Record<K, Counter> {
    const out = {} as Record<K, Counter>;
    for (const key of Object.keys(table) as K[]) {
      const [name, help] = table[key];
      out[key] = this.counter(name, help);
    }
    return out;
  }

  /** Declares one gauge per entry of `table` (key → [name, help]), under the same keys. */
  gauges<K extends string>(
    table: Readonly<Record<K, readonly [string, string]>>,
  ): Record<K, Gauge> {
    const out = {} as Record<K, Gauge>;
    for (const key of Object.keys(table) as K[]) {
      const [name, help] = table[key];
      out[key] = this.gauge(name, help);
    }
    return out;
  }

  /** Runs `fn` before every render, to refresh gauges from live state. */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** The current value of one series, for tests and internal checks. */
  value(name: string, labels: Labels = {}): number | undefined {
    return this.families.get(name)?.values.get(labelKey(labels))?.value;
  }

  render(): string {
    for (const collect of this.collectors) collect();
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${f.help.replace(/\n/g, ' ')}`);
      lines.push(`# TYPE ${f.name} ${f.type}`);
      if (f.values.size === 0 && f.type === 'counter') lines.push(`${f.name} 0`);
      for (const { labels, value } of f.values.values()) {
        const keys = Object.keys(labels).sort();
        const l =
          keys.length === 0
            ? ''
            : `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
        lines.push(`${f.name}${l} ${formatValue(value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
