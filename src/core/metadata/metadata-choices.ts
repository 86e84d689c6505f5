/**
 * OpenID Connect RP Metadata Choices 1.0 §2: a client may send a list of the
 * values it supports (`id_token_signing_alg_values_supported`, …) in place of,
 * or beside, a single-valued member (`id_token_signed_response_alg`, …). The
 * server settles each list into the single value, which the member's own rule
 * then checks and stores; the list itself is never stored or returned.
 *
 * @module
 */

import { invalidClientMetadata, quoted } from '../errors.js';
import { string, stringArray } from './metadata-values.js';
import {
  DEFAULT_SUBJECT_TYPES,
  ENCRYPTION_MEMBER_PAIRS,
  issuesIdTokenFromAuthorizationEndpoint,
  type OidcRules,
} from './validate-oidc-metadata.js';

/** The server settings the choices are made from. */
export interface ChoiceRules extends OidcRules {
  readonly tokenEndpointAuthMethodsSupported: readonly string[];
}

/** One list a client may offer, and the single-valued member the server settles it into. */
export interface MetadataChoice {
  /** The list member the client sends. */
  readonly offered: string;
  /** The single-valued member the chosen value is stored as. */
  readonly member: string;
  /** The values this server accepts for `member`, most preferred first: the list `member` is checked against. */
  readonly supported: (rules: ChoiceRules, responseTypes: readonly string[]) => readonly string[];
  /** What one value is called in a refusal. Default `'algorithm'`. */
  readonly noun?: string;
  /**
   * `member`, when sent, counts as one more offered value instead of having to
   * be in the list. Only `token_endpoint_auth_method`, whose choice Registrar
   * made this way before the other lists were read.
   */
  readonly memberCountsAsOffered?: true;
}

const signing = (rules: ChoiceRules): readonly string[] => rules.signingAlgValuesSupported;
const encryptionAlgs = (rules: ChoiceRules): readonly string[] => rules.encryptionAlgValuesSupported ?? [];
const encryptionEncs = (rules: ChoiceRules): readonly string[] => rules.encryptionEncValuesSupported ?? [];

/**
 * Every list of RP Metadata Choices 1.0 §2 whose single-valued member
 * Registrar validates, in the order they are settled: each `_alg` before its
 * `_enc`, so an `_enc` list can see whether its `_alg` is there.
 */
export const METADATA_CHOICES: readonly MetadataChoice[] = [
  {
    offered: 'token_endpoint_auth_methods_supported',
    member: 'token_endpoint_auth_method',
    supported: (rules) => rules.tokenEndpointAuthMethodsSupported,
    noun: 'method',
    memberCountsAsOffered: true,
  },
  {
    offered: 'token_endpoint_auth_signing_alg_values_supported',
    member: 'token_endpoint_auth_signing_alg',
    supported: signing,
  },
  {
    offered: 'subject_types_supported',
    member: 'subject_type',
    supported: (rules) => rules.subjectTypesSupported ?? DEFAULT_SUBJECT_TYPES,
    noun: 'subject type',
  },
  {
    offered: 'id_token_signing_alg_values_supported',
    member: 'id_token_signed_response_alg',
    // `none` is acceptable, last, only while no ID token comes from the authorization endpoint.
    supported: (rules, responseTypes) =>
      issuesIdTokenFromAuthorizationEndpoint(responseTypes)
        ? rules.signingAlgValuesSupported
        : [...rules.signingAlgValuesSupported, 'none'],
  },
  {
    offered: 'userinfo_signing_alg_values_supported',
    member: 'userinfo_signed_response_alg',
    supported: signing,
  },
  {
    offered: 'request_object_signing_alg_values_supported',
    member: 'request_object_signing_alg',
    supported: signing,
  },
  {
    offered: 'id_token_encryption_alg_values_supported',
    member: 'id_token_encrypted_response_alg',
    supported: encryptionAlgs,
  },
  {
    offered: 'id_token_encryption_enc_values_supported',
    member: 'id_token_encrypted_response_enc',
    supported: encryptionEncs,
  },
  {
    offered: 'userinfo_encryption_alg_values_supported',
    member: 'userinfo_encrypted_response_alg',
    supported: encryptionAlgs,
  },
  {
    offered: 'userinfo_encryption_enc_values_supported',
    member: 'userinfo_encrypted_response_enc',
    supported: encryptionEncs,
  },
  {
    offered: 'request_object_encryption_alg_values_supported',
    member: 'request_object_encryption_alg',
    supported: encryptionAlgs,
  },
  {
    offered: 'request_object_encryption_enc_values_supported',
    member: 'request_object_encryption_enc',
    supported: encryptionEncs,
  },
];

/** The choice of the `_alg` member an `_enc` member needs (OpenID Connect Registration §2), if `member` is an `_enc`. */
function algorithmNeededBy(member: string): MetadataChoice | undefined {
  const alg = ENCRYPTION_MEMBER_PAIRS.find(([, enc]) => enc === member)?.[0];
  return METADATA_CHOICES.find((choice) => choice.member === alg);
}

/**
 * Settles every offered list in `input` into its single-valued member, in
 * place: the first value of the server's own list that the client offers.
 * A single-valued member sent beside its list must be in the list. Throws
 * `invalid_client_metadata` naming the member when a list is not an array of
 * strings, holds nothing the server accepts, or is an `_enc` list without its
 * `_alg`. `responseTypes` are the client's settled response types.
 * @see https://openid.net/specs/openid-connect-rp-metadata-choices-1_0.html#ClientMetadata
 * @see docs/openid-connect.md
 */
export function settleMetadataChoices(
  input: Record<string, unknown>,
  responseTypes: readonly string[],
  rules: ChoiceRules,
): void {
  for (const choice of METADATA_CHOICES) {
    const { offered, member } = choice;
    if (input[offered] === undefined) continue;
    const values = [...stringArray(input[offered], offered)];
    if (input[member] !== undefined) {
      const declared = string(input[member], member);
      if (choice.memberCountsAsOffered) values.push(declared);
      else if (!values.includes(declared)) {
        throw invalidClientMetadata(`${member} ${quoted(declared, 'as sent')} is not listed in ${offered}.`);
      }
    }
    const needs = algorithmNeededBy(member);
    if (needs !== undefined && input[needs.member] === undefined) {
      throw invalidClientMetadata(`${offered} needs ${needs.member} or ${needs.offered}.`);
    }
    const chosen = choice.supported(rules, responseTypes).find((value) => values.includes(value));
    if (chosen === undefined) {
      throw invalidClientMetadata(`${offered} offers no ${choice.noun ?? 'algorithm'} this server supports.`);
    }
    input[member] = chosen;
  }
}
