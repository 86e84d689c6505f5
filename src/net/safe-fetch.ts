/**
 * The one safe outbound fetcher (docs/operations.md#outbound-fetches-the-ssrf-guard). Every URL Registrar fetches goes
 * through it: `https` only; the host resolved first and every address refused
 * that is not globally reachable; the connection made to the checked address
 * and nowhere else (DNS rebinding fails); redirects returned, never followed;
 * a size cap and a time cap on the whole request.
 *
 * @module
 */

import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import {
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_FETCH_TIMEOUT_MS,
  type HostResolver,
  type OutboundFetch,
  OutboundFetchError,
  type OutboundFetchOptions,
  type OutboundResponse,
  type ResolvedAddress,
} from '../core/ports/outbound-fetch.js';
import { classifyAddress } from './classify-address.js';

/** The system resolver: every address, in the order the system prefers. */
export const systemResolver: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The request's own headers: nothing about Registrar's host, no compression to undo. */
const FIXED_HEADERS = { 'accept-encoding': 'identity', 'user-agent': 'registrar' } as const;

/** Creates the safe fetcher with the given limits (docs/configuration.md `fetch`). */
export function createSafeFetch(options: OutboundFetchOptions = {}): OutboundFetch {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const defaultMaxBytes = options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
  const allowLoopback = options.allowLoopback === true;
  const resolve = options.resolve ?? systemResolver;
  const ca =
    options.ca === undefined ? undefined : typeof options.ca === 'string' ? options.ca : [...options.ca];

  function target(raw: string): URL {
    let url: URL;
    try {
      // The WHATWG parser also normalises numeric host spellings (decimal,
      // octal, hexadecimal, shortened IPv4; IPv6 forms) to one canonical address.
      url = new URL(raw);
    } catch (error) {
      throw new OutboundFetchError('invalid_url', 'The URL does not parse.', { cause: error });
    }
    if (url.protocol !== 'https:') throw new OutboundFetchError('not_https', `Refused ${url.protocol} URL.`);
    if (url.username !== '' || url.password !== '') {
      throw new OutboundFetchError('invalid_url', 'The URL carries user information.');
    }
    return url;
  }

  async function addressesOf(hostname: string): Promise<readonly ResolvedAddress[]> {
    const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const family = isIP(literal);
    if (family !== 0) return [{ address: literal, family }];
    let answers: readonly ResolvedAddress[];
    try {
      answers = await resolve(hostname);
    } catch (error) {
      throw new OutboundFetchError('dns_failure', `Resolving ${hostname} failed.`, { cause: error });
    }
    if (answers.length === 0) throw new OutboundFetchError('dns_failure', `${hostname} has no address.`);
    return answers;
  }

  /** Refuses the whole name when any of its addresses is not globally reachable. */
  function check(hostname: string, answers: readonly ResolvedAddress[]): ResolvedAddress {
    for (const answer of answers) {
      const verdict = classifyAddress(answer.address);
      if (verdict.global || (allowLoopback && verdict.loopback)) continue;
      throw new OutboundFetchError(
        'forbidden_address',
        `${hostname} resolves to ${answer.address}, in ${verdict.block}.`,
      );
    }
    // The family comes from the address itself, not from what the resolver claimed.
    const { address } = answers[0] as ResolvedAddress;
    return { address, family: isIP(address) };
  }

  function get(
    url: URL,
    pinned: ResolvedAddress,
    maxBytes: number,
    accept: string | undefined,
    signal: AbortSignal,
  ) {
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    // The socket goes to the address checked above; no second resolution happens.
    const lookup: LookupFunction = (_host, lookupOptions, callback) => {
      if (lookupOptions.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
      else callback(null, pinned.address, pinned.family);
    };
    return new Promise<OutboundResponse>((resolvePromise, reject) => {
      const fail = (error: OutboundFetchError) => {
        req.destroy();
        reject(error);
      };
      const req = request(
        {
          protocol: 'https:',
          hostname,
          port: url.port === '' ? 443 : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { ...FIXED_HEADERS, ...(accept === undefined ? {} : { accept }) },
          family: pinned.family,
          lookup,
          agent: false,
          signal,
          ...(ca === undefined ? {} : { ca }),
        },
        (response: IncomingMessage) => {
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            fail(
              new OutboundFetchError('too_large', `Content-Length ${declared} exceeds ${maxBytes} bytes.`),
            );
            return;
          }
          const chunks: Buffer[] = [];
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            // Abort as soon as the cap is passed: a hostile server cannot make us buffer more.
            if (received > maxBytes) {
              fail(new OutboundFetchError('too_large', `The body exceeds ${maxBytes} bytes.`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolvePromise({
              status: response.statusCode ?? 0,
              headers,
              body: new Uint8Array(Buffer.concat(chunks)),
            });
          });
          response.on('error', (error) => reject(networkError(error, signal)));
        },
      );
      req.on('error', (error) => reject(networkError(error, signal)));
      req.end();
    });
  }

  return async function safeFetch(raw, requestOptions = {}) {
    const maxBytes = Math.min(requestOptions.maxBytes ?? defaultMaxBytes, defaultMaxBytes);
    const url = target(raw);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new OutboundFetchError('timeout', `No complete answer within ${timeoutMs} ms.`));
      }, timeoutMs);
    });
    try {
      const fetched = (async () => {
        const pinned = check(url.hostname, await addressesOf(url.hostname));
        controller.signal.throwIfAborted();
        return get(url, pinned, maxBytes, requestOptions.accept, controller.signal);
      })();
      // The deadline covers resolution too, which cannot itself be aborted.
      fetched.catch(() => undefined);
      return await Promise.race([fetched, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function networkError(error: unknown, signal: AbortSignal): OutboundFetchError {
  if (signal.aborted) return new OutboundFetchError('timeout', 'The request was aborted at the deadline.');
  return new OutboundFetchError('network', 'The connection failed.', { cause: error });
}
