/**
 * Translation between Web-standard `Request`/`Response` and the handler's own shapes.
 *
 * @module
 */

import { invalidRequest, type RegistrationError } from '../core/errors.js';
import type { RegistrarRequest, RegistrarResponse } from './types.js';

/**
 * The failure of a body the client stopped sending (a reset or closed
 * connection): the client's doing, a 400 `invalid_request`, never a server
 * error. Usually nobody is left to read the answer.
 */
export function requestAborted(cause?: unknown): RegistrationError {
  return invalidRequest('The request body was not received in full.', cause);
}

/** Reads a Web stream, stopping once more than `limit` bytes arrived. */
async function readLimited(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | null> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      // The stream of the client's upload failed: its connection went away before the end.
      throw requestAborted(error);
    }
    const { done, value } = next;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Wraps a Web `Request`; `remoteAddress` is whatever the runtime reports for the peer. */
export function fromWebRequest(request: Request, remoteAddress?: string): RegistrarRequest {
  return {
    method: request.method.toUpperCase(),
    url: request.url,
    header: (name) => request.headers.get(name),
    remoteAddress,
    body: async (limit) => {
      const declared = Number(request.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > limit) return null;
      return readLimited(request.body, limit);
    },
  };
}

/** Builds a Web `Response`. */
export function toWebResponse(response: RegistrarResponse): Response {
  return new Response(response.body, { status: response.status, headers: response.headers });
}
