/**
 * What a time chart is given and how faults are drawn on it, shared by the chart's frame
 * (components/time-chart.tsx), its lazily loaded body (components/chart-body.tsx) and the
 * events timeline, so that neither component imports the other's module.
 */
import type { FaultPeriod } from './events.ts';

/** The fill of a fault period's shading and label. */
export const FAULT_FILL = '#cf222e';

export interface TimeChartProps {
  readonly label: string;
  readonly rows: readonly Record<string, number | null>[];
  readonly keys: readonly string[];
  readonly colorOf: (key: string, index: number) => string;
  readonly from: number;
  readonly to: number;
  readonly periods: readonly FaultPeriod[];
  readonly format?: (value: number) => string;
  readonly kind?: 'line' | 'bar';
  readonly height?: number;
  readonly nameOf?: (key: string) => string;
  /** take new props through the stagger queue (default); false: redraw with the parent's commit */
  readonly staggered?: boolean;
}
