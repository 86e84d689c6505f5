/**
 * `node:http` adapter: translates `IncomingMessage`/`ServerResponse` to and
 * from the handler's shapes, without building Web `Request` objects.
 *
 * @module
 */

import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { NOT_FOUND } from '../http/responses.js';
import type { RegistrarHandler, RegistrarRequest, RegistrarResponse } from '../http/types.js';
import { requestAborted } from '../http/web-request.js';

export { nodeCrypto } from '../crypto/node-crypto.js';

// A socket's peer address is only readable while the connection stands: once the client has
// reset it, `remoteAddress` is undefined. Each address is kept from the first time it is seen,
// and the servers whose requests arrive are watched so that later connections are seen at accept.
const peers = new WeakMap<Socket, string>();
const watchedServers = new WeakSet<EventEmitter>();

/**
 * The peer address of `socket`, kept from the first time it could be read,
 * so that a connection reset before its request is handled still counts
 * under its own address. The first call for a connection of a server also
 * makes the server record the address of every later connection as it is
 * accepted. `registrar serve` calls it for each connection it accepts.
 * @see docs/mounting.md
 */
export function peerAddress(socket: Socket): string | undefined {
  const known = peers.get(socket);
  if (known !== undefined) return known;
  const address = socket.remoteAddress;
  if (address !== undefined) peers.set(socket, address);
  // net.Server sets `server` on each socket it accepts.
  const server = (socket as { server?: unknown }).server;
  if (server instanceof EventEmitter && !watchedServers.has(server)) {
    watchedServers.add(server);
    server.prependListener('connection', peerAddress);
  }
  return address;
}

/**
 * Whether the client's connection is already gone: destroyed, or a TCP
 * connection whose peer can no longer be read because the client reset it
 * (a connected TCP socket always has a peer). Nobody is left to answer, so
 * its requests are not run.
 * @see docs/mounting.md
 */
export function connectionGone(socket: Socket): boolean {
  return socket.destroyed || (peerAddress(socket) === undefined && socket.localAddress !== undefined);
}

/** Whether a failed body stream is the client's doing: a connection that went away before the end. */
function isAbort(message: IncomingMessage, error: unknown): boolean {
  return !message.complete || (error as { code?: unknown } | null)?.code === 'ECONNRESET';
}

function readBody(message: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  // A connection reset before the body was read leaves nobody to answer: the request goes no further.
  if (message.destroyed || connectionGone(message.socket)) return Promise.reject(requestAborted());
  const declared = Number(message.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    message.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    message.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    message.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    message.on('error', (error) => {
      if (done) return;
      done = true;
      reject(isAbort(message, error) ? requestAborted(error) : error);
    });
    // A request destroyed with its connection may close without an error event.
    message.on('close', () => {
      if (done) return;
      done = true;
      reject(requestAborted());
    });
  });
}

/** A host name, IPv4 address or bracketed IPv6 address, with an optional port (RFC 9110 §7.2). */
const AUTHORITY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** The path and query of a request target; an absolute-form target (RFC 9112 §3.2.2) loses its authority. */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

/**
 * Wraps a Node request; the URL scheme is `https` when the socket is TLS.
 * `target` is the request target (path and query) when a framework has
 * rewritten `message.url`, as Express does under a mount path.
 * @see docs/mounting.md
 */
export function fromNodeRequest(
  message: IncomingMessage,
  target: string = message.url ?? '/',
): RegistrarRequest {
  const encrypted = (message.socket as TLSSocket).encrypted === true;
  // The Host header is the client's to write: only a plain authority may enter the URL, or a
  // header such as "x/oauth/register?" would move the path that routing sees.
  const hostHeader = message.headers.host;
  const host = hostHeader !== undefined && AUTHORITY.test(hostHeader) ? hostHeader : 'localhost';
  return {
    method: (message.method ?? 'GET').toUpperCase(),
    url: `${encrypted ? 'https' : 'http'}://${host}${originForm(target)}`,
    header: (name) => {
      const value = message.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    remoteAddress: peerAddress(message.socket),
    body: (limit) => readBody(message, limit),
  };
}

/**
 * Writes a handler response to a Node `ServerResponse`.
 * @see docs/mounting.md
 */
export function writeNodeResponse(res: ServerResponse, response: RegistrarResponse): void {
  if (response.body === null) {
    res.writeHead(response.status, response.headers);
    res.end();
    return;
  }
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/**
 * A `node:http` request listener. Requests outside Registrar's paths go to
 * `next`, or get a JSON 404 when there is none.
 * @see docs/mounting.md
 */
export function toNodeListener(
  registrar: RegistrarHandler,
  next?: (req: IncomingMessage, res: ServerResponse) => void,
): RequestListener {
  return (req, res) => {
    if (connectionGone(req.socket)) {
      req.socket.destroy();
      return;
    }
    const request = fromNodeRequest(req);
    registrar.handle(request).then(
      (response) => {
        if (response) return writeNodeResponse(res, response);
        if (next) return next(req, res);
        writeNodeResponse(res, NOT_FOUND);
      },
      (error: unknown) => {
        // handle() answers every failure itself; this is the last line for a broken socket.
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };
}
