/**
 * Constants shared by the server, the agents and the browser. Units are in the names.
 * Other protocol modules keep their own constants next to their schemas.
 */

/** socket.io namespace for agents embedded in nodes. */
export const AGENT_NAMESPACE = '/agent';
/** socket.io namespace for dashboards. */
export const UI_NAMESPACE = '/ui';
/** socket.io HTTP path of `/agent` (the library default, named so both ends agree). */
export const SOCKET_IO_PATH = '/socket.io';
/**
 * socket.io HTTP path of `/ui`: a server of its own, so its buffer limit can be small (engine.io
 * sizes buffers per server, and dashboards send nothing).
 */
export const UI_SOCKET_IO_PATH = '/socket.io-ui';
/** Largest message a dashboard may send on `/ui` (it sends none; socket.io's own packets fit). */
export const UI_MAX_HTTP_BUFFER_BYTES = 16 * 1024;

/** How often the server pushes its status to `/ui`. */
export const UI_STATUS_INTERVAL_MS = 1_000;

/** Default HTTP port of the observatory server. */
export const DEFAULT_SERVER_PORT = 3000;
/** Default listen address: loopback only, so nothing is exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';
/** Default store: a SQLite file relative to the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./data/observatory.db';
/** Default number of nodes `observatory start` launches. */
export const DEFAULT_LAB_NODES = 5;

/** The line the server prints once it listens; tests and the launcher parse it. */
export const LISTENING_LINE_PREFIX = 'Observatory listening on ';
