/**
 * Small fetch helpers for the dashboard: JSON in, JSON out, and a readable message on failure.
 * Given a schema of the contract (protocol/http.ts), a success answer is parsed with it, so an
 * answer of another shape is a readable failure, not a crash in a component.
 */
import type { z } from 'zod';
import type { ControlResult } from '../../protocol/http.ts';
import { clockTime } from './format.ts';

export type { ControlResult } from '../../protocol/http.ts';

export type ApiOutcome<T> =
  | { readonly ok: true; readonly status: number; readonly data: T }
  | {
      readonly ok: false;
      readonly status: number;
      readonly message: string;
      readonly data?: unknown;
    };

/** The message of an API error body `{ error: { code, message } }`, or a fallback. */
export function errorMessage(status: number, body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  if (typeof message === 'string' && message !== '') {
    return status === 401 ? `Refused: ${message}. Sign in with the admin token.` : message;
  }
  if (status === 401) return 'Refused: sign in with the admin token to use the controls.';
  if (status === 404) return 'Not available on this server yet.';
  return `The server answered ${status}.`;
}

async function call<T>(
  method: string,
  path: string,
  body: unknown,
  schema: z.ZodType<T> | undefined,
): Promise<ApiOutcome<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch (error) {
    return { ok: false, status: 0, message: `Cannot reach the server (${String(error)})` };
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // non-JSON answers (e.g. a 404 page) keep data null
  }
  if (res.ok) {
    if (schema === undefined) return { ok: true, status: res.status, data: data as T };
    const parsed = schema.safeParse(data);
    if (parsed.success) return { ok: true, status: res.status, data: parsed.data };
    return { ok: false, status: res.status, message: `unexpected answer from ${path}`, data };
  }
  return { ok: false, status: res.status, message: errorMessage(res.status, data), data };
}

export const getJson = <T>(path: string, schema?: z.ZodType<T>) =>
  call<T>('GET', path, undefined, schema);
export const postJson = <T>(path: string, body: unknown = {}, schema?: z.ZodType<T>) =>
  call<T>('POST', path, body, schema);
export const deleteJson = <T>(path: string, schema?: z.ZodType<T>) =>
  call<T>('DELETE', path, undefined, schema);

/** One line for a control outcome: what was done, or why not. */
export function describeControl(outcome: ApiOutcome<ControlResult>, what: string): string {
  if (outcome.ok) {
    const expires = outcome.data.results.find((r) => r.expiresAt !== null)?.expiresAt;
    return `${what}: done${expires != null ? `, reverts by itself at ${clockTime(expires)}` : ''}.`;
  }
  const result = outcome.data as Partial<ControlResult> | undefined;
  const failed = result?.results?.filter((r) => !r.ok) ?? [];
  if (failed.length > 0) {
    return `${what}: failed — ${failed.map((r) => `${r.node}: ${r.error?.message ?? 'no answer'}`).join('; ')}`;
  }
  return `${what}: ${outcome.message}`;
}
