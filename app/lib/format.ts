/** Display formatting shared by the dashboard's components. */

/** `n1@127.0.0.1` → `n1`; names without a host stay as they are. */
export function shortName(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

/** `BEAM OTP 25` for a BEAM node, null for a TypeScript node. */
export function runtimeLabel(node: {
  readonly runtime?: string;
  readonly beam?: { readonly otpRelease: string } | null;
}): string | null {
  if (node.runtime !== 'beam') return null;
  return `BEAM OTP ${node.beam?.otpRelease ?? '?'}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

/** Bytes with a binary unit: `512 B`, `1.5 KiB`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** A rate with at most one decimal: `12.3`, `1.2k`. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return '—';
  if (perSec >= 10_000) return `${(perSec / 1000).toFixed(0)}k`;
  if (perSec >= 1_000) return `${(perSec / 1000).toFixed(1)}k`;
  return perSec >= 10 ? perSec.toFixed(0) : perSec.toFixed(1);
}

/** A duration in the largest sensible unit: `45 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

// `toLocaleTimeString` with options builds a formatter per call (milliseconds each); charts and
// the timeline format thousands of times a second, so one formatter is made and kept.
let timeFormat: Intl.DateTimeFormat | undefined;

/** Local wall-clock time of a timestamp, `HH:MM:SS`. */
export function clockTime(at: number): string {
  timeFormat ??= new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  return timeFormat.format(at);
}
