/**
 * The observatory's HTTP API: thin handlers that each call one function of the running server's
 * services. Served by the custom server ahead of Next.js, so the API works with or without a
 * dashboard build and shares the live model in-process; errors are mapped in one place
 * (`errors.ts`), bodies read and replies sent in `body.ts`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterModel, ModelEvent, TrafficModel } from '../../protocol/model.ts';
import type { Control } from '../control/control.ts';
import type { Drills } from '../drills/drills.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/registry.ts';
import type { AdminGuard } from './admin.ts';
import { UnavailableError } from '../errors.ts';
import { queryOf, respond, type Reply } from './body.ts';
import {
  CONTROL_ACTIONS,
  eventsQuerySchema,
  historyQuerySchema,
  type ControlAction,
  type EventsQuery,
  type Health,
  type HistoryQuery,
  type HistoryResult,
} from '../../protocol/http.ts';

/** What the API reads and drives. */
export interface ApiServices {
  /** admits admins' state-changing requests; serves `/api/session` */
  readonly admin: AdminGuard;
  cluster(): ClusterModel;
  traffic(): TrafficModel;
  history(query: HistoryQuery): Promise<HistoryResult>;
  events(query: EventsQuery): Promise<{ events: ModelEvent[] }>;
  readonly control: Control;
  readonly drills: Pick<Drills, 'list' | 'get' | 'view' | 'historyFile'> & {
    /** sync on one server; with several, it first takes the cluster-wide drill lock */
    start(body: unknown): ReturnType<Drills['start']> | Promise<ReturnType<Drills['start']>>;
  };
  metrics(): string;
}

export type Handler = (req: IncomingMessage, url: URL) => Promise<Reply>;

/**
 * `GET /api/drills/<id>` and `GET /api/drills/<id>/history`: every such path is served by one of
 * these two routes, which read (and validate) the id.
 */
const DRILL_PREFIX = '/api/drills/';
const DRILL_ROUTE = `${DRILL_PREFIX}:id`;
const HISTORY_SUFFIX = '/history';
const DRILL_HISTORY_ROUTE = `${DRILL_ROUTE}${HISTORY_SUFFIX}`;
const routePath = (pathname: string): string => {
  if (!pathname.startsWith(DRILL_PREFIX) || pathname.length === DRILL_PREFIX.length) {
    return pathname;
  }
  return pathname.endsWith(HISTORY_SUFFIX) ? DRILL_HISTORY_ROUTE : DRILL_ROUTE;
};
const drillId = (url: URL): string => {
  const rest = url.pathname.slice(DRILL_PREFIX.length);
  return rest.endsWith(HISTORY_SUFFIX) ? rest.slice(0, -HISTORY_SUFFIX.length) : rest;
};

const ok = (json: unknown): Reply => ({ status: 200, json });

/** JSON lines (one JSON value per line): https://jsonlines.org */
const HISTORY_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

/**
 * The route table, keyed by `"<METHOD> <path>"`. `health` answers before and without the other
 * services: it must tell a probe the truth while they start or when the store is down.
 */
export function apiRoutes(
  services: () => ApiServices | undefined,
  health: () => Promise<Health>,
): Record<string, Handler> {
  const s = (): ApiServices => {
    const current = services();
    if (current === undefined) throw new UnavailableError('the observatory is starting');
    return current;
  };
  const routes: Record<string, Handler> = {
    'GET /api/health': async () => {
      const body = await health();
      return { status: body.status === 'ok' ? 200 : 503, json: body };
    },
    'GET /api/cluster': () => Promise.resolve(ok(s().cluster())),
    'GET /api/traffic': () => Promise.resolve(ok(s().traffic())),
    'GET /api/history': async (_req, url) =>
      ok(await s().history(historyQuerySchema.parse(queryOf(url)))),
    'GET /api/events': async (_req, url) =>
      ok(await s().events(eventsQuerySchema.parse(queryOf(url)))),
    'GET /api/drills': async (_req, url) => ok(await s().drills.list(queryOf(url))),
    [`GET ${DRILL_ROUTE}`]: async (_req, url) => ok(await s().drills.view(drillId(url))),
    [`GET ${DRILL_HISTORY_ROUTE}`]: async (_req, url) => {
      const { path, bytes, filename } = await s().drills.historyFile(drillId(url));
      return {
        status: 200,
        file: path,
        bytes,
        contentType: HISTORY_CONTENT_TYPE,
        headers: { 'content-disposition': `attachment; filename="${filename}"` },
      };
    },
    'POST /api/drills': async (req) => {
      const services = s();
      const { caller, body } = await services.admin.admit(req, 'drill');
      const run = await services.admin.audited(caller, 'drill', body, () =>
        services.drills.start(body),
      );
      return { status: 202, json: run };
    },
    'GET /api/session': (req) => Promise.resolve(s().admin.status(req)),
    'POST /api/session': (req) => s().admin.signIn(req),
    'DELETE /api/session': (req) => s().admin.signOut(req),
    'GET /metrics': () =>
      Promise.resolve({ status: 200, text: s().metrics(), contentType: PROMETHEUS_CONTENT_TYPE }),
  };
  for (const action of CONTROL_ACTIONS) {
    routes[`POST /api/control/${action}`] = (req) => controlAction(s(), req, action);
  }
  return routes;
}

async function controlAction(
  services: ApiServices,
  req: IncomingMessage,
  action: ControlAction,
): Promise<Reply> {
  const { caller, body } = await services.admin.admit(req, action);
  const result = await services.control(action, body, caller);
  // Some agent failed or did not answer: the request was valid, the cluster did not comply.
  return { status: result.ok ? 200 : 502, json: result };
}

/**
 * A request listener for the routes; returns false for paths it does not serve, so the caller
 * can hand the request on (to Next.js).
 */
export function createApiListener(
  routes: Record<string, Handler>,
  log: (line: string) => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const paths = new Set(Object.keys(routes).map((k) => k.slice(k.indexOf(' ') + 1)));
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = routePath(url.pathname);
    if (!paths.has(path)) return false;
    const handler = routes[`${req.method ?? 'GET'} ${path}`];
    if (handler === undefined) {
      respond(
        res,
        () =>
          Promise.resolve({
            status: 405,
            json: {
              error: {
                code: 'METHOD_NOT_ALLOWED',
                message: `${req.method} not allowed on ${url.pathname}`,
              },
            },
          }),
        log,
      );
      return true;
    }
    respond(res, () => handler(req, url), log);
    return true;
  };
}
