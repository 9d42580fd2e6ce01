/** Parsing of the `remsh` target, `name@host:port` (or just `host:port`). */

export interface RemshTarget {
  /** `name@host`, or undefined when only `host:port` was given (learnt on connect) */
  readonly name: string | undefined;
  readonly host: string;
  readonly port: number;
  /** what to hand to `connect()` */
  readonly connectTo: string;
}

const FULL = /^([A-Za-z0-9_.-]{1,64})@([A-Za-z0-9._-]{1,253}):(\d{1,5})$/;
const ADDRESS_ONLY = /^([A-Za-z0-9._-]{1,253}):(\d{1,5})$/;

/** Returns the parsed target, or an error message for people. */
export function parseTarget(text: string): RemshTarget | string {
  const full = FULL.exec(text);
  const bare = full === null ? ADDRESS_ONLY.exec(text) : null;
  const host = full?.[2] ?? bare?.[1];
  const portText = full?.[3] ?? bare?.[2];
  if (host === undefined || portText === undefined) {
    return `target must be name@host:port (e.g. a@127.0.0.1:9101) or host:port, got '${text}'`;
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) return `target port must be from 1 to 65535, got ${portText}`;
  return {
    name: full === null ? undefined : `${full[1]}@${host}`,
    host,
    port,
    connectTo: text,
  };
}
