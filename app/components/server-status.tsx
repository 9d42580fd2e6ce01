'use client';
/** The server's own heartbeat from `/ui` `status`: uptime, agents connected, version. */
import type { UiStatus } from '../../protocol/ui.ts';
import { formatDuration } from '../lib/format.ts';

export function ServerStatus({ status }: { status: UiStatus | null }) {
  return (
    <dl className="stats compact" aria-label="Server status">
      <div>
        <dt id="uptime-label">Server uptime</dt>
        <dd aria-labelledby="uptime-label" data-testid="uptime">
          {status ? formatDuration(status.uptimeMs) : '…'}
        </dd>
      </div>
      <div>
        <dt id="agents-label">Agents connected</dt>
        <dd aria-labelledby="agents-label" data-testid="agents">
          {status ? status.agentsConnected : '…'}
        </dd>
      </div>
      <div>
        <dt id="version-label">Version</dt>
        <dd aria-labelledby="version-label">{status ? status.version : '…'}</dd>
      </div>
    </dl>
  );
}
