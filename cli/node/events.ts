/**
 * How `observatory node` reports itself on stdout: with `--events json` one JSON object per line
 * (a `listening` line first, so that scripts and tests know the node is ready), otherwise short
 * lines for people.
 */
import type { MembershipEvent, NodeName } from '../../cluster/api.ts';
import type { DiscoveryEvent } from '../../cluster/discovery/index.ts';

export type EventFormat = 'json' | 'text';

export interface ListeningLine {
  readonly event: 'listening';
  readonly node: NodeName;
  readonly host: string;
  readonly port: number;
  readonly hidden: boolean;
  readonly pid: number;
  readonly at: number;
}

export function formatListening(line: ListeningLine, format: EventFormat): string {
  if (format === 'json') return JSON.stringify(line);
  return `${line.node} listening on ${line.host}:${line.port}${line.hidden ? ' (hidden)' : ''}`;
}

/** `reason` is always present (null for nodeup) so that every line has the same keys. */
export function formatMembership(event: MembershipEvent, format: EventFormat): string {
  const reason = event.event === 'nodedown' ? event.reason : null;
  if (format === 'json') {
    return JSON.stringify({
      event: event.event,
      node: event.node,
      hidden: event.hidden,
      reason,
      at: event.at,
    });
  }
  const suffix = `${event.hidden ? ' (hidden)' : ''}${reason === null ? '' : ` reason=${reason}`}`;
  return `${event.event} ${event.node}${suffix}`;
}

export function formatStopped(node: NodeName, format: EventFormat, at: number): string {
  return format === 'json' ? JSON.stringify({ event: 'stopped', node, at }) : `${node} stopped`;
}

/**
 * A discovery event as a line, or undefined when it is not shown. JSON shows every kind (a
 * discovery debugger for scripts); text shows only what a person acts on: targets found, errors.
 */
export function formatDiscovery(event: DiscoveryEvent, format: EventFormat): string | undefined {
  if (format === 'json') return JSON.stringify({ event: 'discovery', ...event });
  if (event.kind === 'found') {
    return `discovery ${event.strategy} found ${event.targets.join(', ') || '(nothing)'}`;
  }
  if (event.kind === 'error')
    return `discovery ${event.strategy} error ${event.code}: ${event.message}`;
  return undefined;
}
