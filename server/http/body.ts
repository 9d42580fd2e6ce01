/**
 * Plumbing for the observatory's HTTP API: body reading with a size limit and one `respond`
 * that routes every error through `toErrorResponse`. Who may call what: `admin.ts`.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError } from '../errors.ts';
import { toErrorResponse } from './errors.ts';

/** Control bodies are small; anything larger is refused before it is buffered. */
export const MAX_BODY_BYTES = 64 * 1024;

type Headers = { readonly headers?: Readonly<Record<string, string>> };
export type Reply =
  | ({ readonly status: number; readonly json: unknown } & Headers)
  | ({ readonly status: number; readonly text: string; readonly contentType: string } & Headers)
  | ({
      readonly status: number;
      /** a file streamed as the body (a download), `bytes` long */
      readonly file: string;
      readonly bytes: number;
      readonly contentType: string;
    } & Headers);

/** Reads a JSON body; an empty body is `{}`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new BadRequestError('BODY_TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('BAD_JSON', 'request body is not valid JSON');
  }
}

/** Query parameters as a plain object (last value wins), for zod. */
export function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

export function send(res: ServerResponse, reply: Reply): void {
  if ('file' in reply) {
    sendFile(res, reply);
    return;
  }
  const isJson = 'json' in reply;
  const body = isJson ? JSON.stringify(reply.json) : reply.text;
  res.writeHead(reply.status, {
    'content-type': isJson ? 'application/json; charset=utf-8' : reply.contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  res.end(body);
}

function sendFile(res: ServerResponse, reply: Extract<Reply, { file: string }>): void {
  const stream = createReadStream(reply.file);
  // opened before the head is written, so a file deleted meanwhile is still a clean error
  stream.once('error', () => {
    if (!res.headersSent) {
      send(res, {
        status: 404,
        json: { error: { code: 'FILE_GONE', message: 'the file was deleted meanwhile' } },
      });
    } else {
      res.destroy();
    }
  });
  stream.once('open', () => {
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': reply.bytes,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...reply.headers,
    });
    stream.pipe(res);
  });
}

/** Runs a handler and sends its reply, or the mapped error. */
export function respond(
  res: ServerResponse,
  work: () => Promise<Reply>,
  log: (line: string) => void,
): void {
  work().then(
    (reply) => send(res, reply),
    (error: unknown) => {
      const { status, body, headers } = toErrorResponse(error, log);
      if (res.headersSent) {
        res.end();
        return;
      }
      send(res, { status, json: body, ...(headers !== undefined && { headers }) });
    },
  );
}
