'use client';

import { useEffect, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_IO_PATH, UI_NAMESPACE } from '../../protocol/constants.ts';
import type {
  UiClientToServerEvents,
  UiServerToClientEvents,
  UiStatus,
} from '../../protocol/ui.ts';

/** Points kept in the live chart (one per second: two minutes). */
const HISTORY_POINTS = 120;

interface Point {
  readonly at: number;
  readonly agents: number;
  readonly uptimeS: number;
}

function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m ${s % 60}s` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

const clockTime = (at: number) => new Date(at).toLocaleTimeString();

/** The server's live status from the `/ui` socket: uptime, agents, and a chart of both. */
export function LiveStatus() {
  const [status, setStatus] = useState<UiStatus | null>(null);
  const [history, setHistory] = useState<readonly Point[]>([]);
  const [connected, setConnected] = useState<boolean | null>(null);

  useEffect(() => {
    const socket: Socket<UiServerToClientEvents, UiClientToServerEvents> = io(UI_NAMESPACE, {
      path: SOCKET_IO_PATH,
    });
    socket.on('connect', () => setConnected(true));
    socket.on('disconnect', () => setConnected(false));
    socket.on('status', (next) => {
      setStatus(next);
      setHistory((points) => [
        ...points.slice(-(HISTORY_POINTS - 1)),
        { at: next.at, agents: next.agentsConnected, uptimeS: Math.floor(next.uptimeMs / 1000) },
      ]);
    });
    return () => {
      socket.disconnect();
    };
  }, []);

  return (
    <>
      {connected === false && (
        <div role="alert" className="banner">
          Disconnected from the observatory server — reconnecting…
        </div>
      )}
      <section className="panel" aria-label="Server status">
        <dl className="stats">
          <div>
            <dt id="uptime-label">Server uptime</dt>
            <dd aria-labelledby="uptime-label" data-testid="uptime">
              {status ? formatUptime(status.uptimeMs) : '…'}
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
      </section>
      <section className="panel" aria-label="Agents connected over time">
        <h2>Agents connected</h2>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={[...history]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
            <XAxis dataKey="at" tickFormatter={clockTime} minTickGap={40} />
            <YAxis allowDecimals={false} width={40} />
            <Tooltip labelFormatter={(at) => clockTime(Number(at))} />
            <Line
              type="stepAfter"
              dataKey="agents"
              name="agents"
              stroke="var(--accent)"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </section>
    </>
  );
}
