/**
 * Translation between Web-standard `Request`/`Response` and the handler's own shapes.
 *
 * @module
 */

import type { RegistrarRequest, RegistrarResponse } from './types.js';

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
    const { done, value } = await reader.read();
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
