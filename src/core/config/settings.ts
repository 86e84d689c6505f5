/**
 * The settings every use-case reads: the configuration with its defaults
 * applied and checked, as `resolveConfig` builds it.
 *
 * @module
 */

import type { CryptoProvider } from '../credentials/credentials.js';
import type { EventTally, Logger, RegistrarEvent } from '../events.js';
import type { RegistrationPolicy } from '../metadata/registration-policy.js';
import type { MetadataRules } from '../metadata/validate-metadata.js';
import type { OutboundFetch } from '../ports/outbound-fetch.js';
import type { StatelessCodec } from '../ports/stateless-codec.js';
import type { RegistrationStore } from '../store/registration-store.js';
import type { ClientIdMetadataDocumentsOptions, CorsOptions, RotationPolicy } from './registrar-config.js';

/** The store callbacks after flat keys have been merged over the store's methods. */
export type ResolvedStore<C> = RegistrationStore<C>;

/** `maxClients`, `maxClientsPerOwner` and the age from which a never-used client may be reclaimed. */
export interface ResolvedCaps {
  readonly maxClients?: number;
  readonly maxClientsPerOwner?: number;
  /** Seconds. */
  readonly reclaimMinAge: number;
}

/** What every use-case reads: the configuration with defaults applied and checked. */
export interface Settings<C> {
  readonly issuer: string;
  readonly registrationEnabled: boolean;
  readonly managementEnabled: boolean;
  /** Whether the handler answers the well-known discovery paths. */
  readonly discoveryEnabled: boolean;
  readonly store: ResolvedStore<C>;
  /** The absolute registration endpoint URL. */
  readonly registrationEndpoint: string;
  /** The path of the registration endpoint, as matched against requests. */
  readonly registrationPathname: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly rules: MetadataRules;
  readonly subjectTypesSupported: readonly string[];
  readonly clientIdMetadataDocuments: Readonly<Required<ClientIdMetadataDocumentsOptions>>;
  /** The one way out to the network (docs/operations.md#outbound-fetches-the-ssrf-guard), for sector identifiers, metadata documents and JWKS. */
  readonly outboundFetch: OutboundFetch;
  readonly requireHttps: boolean;
  readonly trustedProxies: ReadonlySet<string>;
  readonly cors: Required<CorsOptions> | false;
  readonly clientSecretTtl: number;
  /** Seconds of idleness before a client expires; 0: clients do not expire. */
  readonly clientTtl: number;
  /**
   * Seconds within which a stored `last_used_at` is recent enough that a
   * proven use writes nothing (`renewalInterval`, at most half of `clientTtl`); 0: every use is written.
   */
  readonly renewalInterval: number;
  /** Seconds a new client has for its first proven use; 0: no activation window. */
  readonly activationWindow: number;
  /** The caps of docs/admission.md#caps; `undefined` when neither is set. */
  readonly caps: ResolvedCaps | undefined;
  /** Seals and opens stateless ids (docs/stateless-registration.md); `undefined`: stateless registration is off. */
  readonly statelessRegistration: StatelessCodec | undefined;
  readonly policies: readonly RegistrationPolicy[];
  readonly rotateRegistrationAccessToken: RotationPolicy;
  readonly maxBodyBytes: number;
  /** Counts every event in `tally`, then hands it to the host's `onEvent`, if any. */
  readonly onEvent: (event: RegistrarEvent) => void | Promise<void>;
  /** What `registrar.counts()` reads. */
  readonly tally: EventTally;
  readonly logger: Logger;
  readonly crypto: CryptoProvider;
  readonly now: () => number;
}
