/**
 * Software statements (RFC 7591 §2.3, §3.1.1; docs/architecture.md#a-registration step 8 and §6): a
 * JWS from a trusted issuer whose claims become client metadata, taking
 * precedence over the JSON members, and which is echoed unmodified.
 *
 * @module
 */

import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors } from 'jose';
import type { ResolvedSoftwareStatement } from '../core/config/resolve-admission.js';
import type { Settings } from '../core/config/settings.js';
import { jsonValueTooDeep, MAX_JSON_DEPTH } from '../core/credentials/encoding.js';
import {
  invalidSoftwareStatement,
  temporarilyUnavailable,
  unapprovedSoftwareStatement,
} from '../core/errors.js';
import {
  dropTaggedVariants,
  FORBIDDEN_KEYS,
  SERVER_OWNED_MEMBERS,
} from '../core/metadata/validate-metadata.js';
import type { SoftwareStatementCheck, StatementOutcome } from '../core/ports/admission-options.js';
import { createRemoteKeySet, KeySetUnavailableError } from './remote-key-set.js';
import { type KeyResolver, verifyJwt } from './verify-jwt.js';

/** JWT claims about the statement itself (RFC 7519 §4.1); never client metadata. */
export const JWT_REGISTERED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
]);

/** The member that carries the statement (RFC 7591 §2.3). */
export const SOFTWARE_STATEMENT = 'software_statement';

function issuerKeys<C>(
  issuer: { readonly jwks: object } | { readonly jwksUri: string },
  settings: Settings<C>,
  cacheSeconds: number,
): KeyResolver {
  if ('jwks' in issuer) return createLocalJWKSet(issuer.jwks as Parameters<typeof createLocalJWKSet>[0]);
  // Fetched only through the safe fetcher (docs/operations.md#outbound-fetches-the-ssrf-guard).
  return createRemoteKeySet(settings.outboundFetch, issuer.jwksUri, { cacheSeconds, now: settings.now });
}

function publicReason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The software statement has expired.';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return 'The software statement is not yet valid.';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return 'The software statement signature does not verify with the issuer keys.';
  }
  return 'The software statement is not a valid signed JWT.';
}

/**
 * Builds the step-8 check from the resolved `softwareStatement` setting. Without the
 * setting, statements are ignored (RFC 7591 §3.1.1 lets a server that does
 * not support them do so): the member is dropped like any unknown one.
 */
export function createSoftwareStatementCheck<C>(
  resolved: ResolvedSoftwareStatement | undefined,
  settings: Settings<C>,
): SoftwareStatementCheck {
  if (resolved === undefined) return async (document) => ({ document });
  const { required, algorithms, jwksCacheSeconds } = resolved;
  const trusted = new Map<string, KeyResolver>();
  for (const [iss, issuer] of resolved.issuers)
    trusted.set(iss, issuerKeys(issuer, settings, jwksCacheSeconds));

  return async (input, bound): Promise<StatementOutcome> => {
    const document: Record<string, unknown> = Object.create(null);
    Object.assign(document, input);
    const statement = document[SOFTWARE_STATEMENT];
    delete document[SOFTWARE_STATEMENT];
    if (statement === undefined || statement === null) {
      // An update without a statement keeps the attested members: the stored statement,
      // verified when it was accepted, applies again (a new statement replaces it).
      if (bound !== undefined) return mergeClaims(document, bound, storedClaims(bound));
      if (required) throw invalidSoftwareStatement('A software_statement is required to register.');
      return { document };
    }
    if (typeof statement !== 'string' || statement.split('.').length !== 3) {
      throw invalidSoftwareStatement('software_statement must be a signed JWT in compact serialization.');
    }
    let alg: unknown;
    let claims: Record<string, unknown>;
    try {
      alg = decodeProtectedHeader(statement).alg;
      claims = decodeJwt(statement);
    } catch (error) {
      throw invalidSoftwareStatement(
        'software_statement must be a signed JWT in compact serialization.',
        error,
      );
    }
    // The claims join the metadata a store serialises: refused when deeper than a body may be.
    if (jsonValueTooDeep(claims)) {
      throw invalidSoftwareStatement(
        `The software statement claims nest arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
      );
    }
    if (typeof alg !== 'string' || alg === 'none' || !algorithms.includes(alg)) {
      throw invalidSoftwareStatement(
        `The software statement algorithm is not one of ${algorithms.join(', ')}.`,
      );
    }
    const iss = claims.iss;
    if (typeof iss !== 'string' || iss === '') {
      throw invalidSoftwareStatement(
        "The software statement must carry an 'iss' claim (RFC 7591 section 2.3).",
      );
    }
    const keys = trusted.get(iss);
    if (keys === undefined) {
      throw unapprovedSoftwareStatement('The software statement issuer is not trusted by this server.');
    }
    let verified: Record<string, unknown>;
    try {
      verified = await verifyJwt(statement, keys, {
        algorithms: [...algorithms],
        issuer: iss,
        currentDate: new Date(settings.now()),
      });
    } catch (error) {
      if (error instanceof KeySetUnavailableError) throw temporarilyUnavailable(error);
      throw invalidSoftwareStatement(publicReason(error), error);
    }
    return mergeClaims(document, statement, verified);
  };
}

/** The claims of a statement kept with a client; it was verified when it was accepted. */
function storedClaims(statement: string): Record<string, unknown> {
  try {
    return decodeJwt(statement);
  } catch (error) {
    throw invalidSoftwareStatement(
      'The software statement this client registered with cannot be read.',
      error,
    );
  }
}

/** RFC 7591 §3.1.1: claims in the statement take precedence over plain JSON members. */
function mergeClaims(
  document: Record<string, unknown>,
  statement: string,
  claims: Record<string, unknown>,
): StatementOutcome {
  const overriding = Object.entries(claims).filter(
    ([member]) =>
      !JWT_REGISTERED_CLAIMS.has(member) &&
      !FORBIDDEN_KEYS.has(member) &&
      !SERVER_OWNED_MEMBERS.has(member) &&
      member !== SOFTWARE_STATEMENT,
  );
  // The statement's value wins over every language-tagged variant of the JSON member too.
  for (const [member] of overriding) dropTaggedVariants(document, member);
  for (const [member, value] of overriding) document[member] = value;
  return { document, softwareStatement: statement, claims };
}
