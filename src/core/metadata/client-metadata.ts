/**
 * The client metadata Registrar validates and stores.
 *
 * @module
 */

/** Validated client metadata, keyed by the RFC member names (RFC 7591 §2, OpenID Connect Registration §2). */
export type ClientMetadata = Record<string, unknown>;
