// OpenID Connect RP Metadata Choices 1.0 §2, list by list: every list the specification defines
// for a member Registrar validates is settled into that member, in the server's order, and refused
// with its name when nothing matches or the single value sent beside it is not in it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METADATA_CHOICES } from '../../../../src/core/metadata/metadata-choices.js';
import { validateClientMetadata } from '../../../../src/core/metadata/validate-metadata.js';

const SERVER = {
  methods: ['none', 'private_key_jwt'],
  signing: ['ES256', 'RS256'],
  subjects: ['pairwise', 'public'],
  algs: ['ECDH-ES', 'RSA-OAEP-256'],
  encs: ['A256GCM', 'A128CBC-HS256'],
};
const RULES = {
  grantTypesSupported: ['authorization_code'],
  responseTypesSupported: ['code'],
  tokenEndpointAuthMethodsSupported: SERVER.methods,
  signingAlgValuesSupported: SERVER.signing,
  subjectTypesSupported: SERVER.subjects,
  encryptionAlgValuesSupported: SERVER.algs,
  encryptionEncValuesSupported: SERVER.encs,
};
const BASE = { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none' };

/** The lists of the specification whose single-valued member Registrar knows, with the server's values for it. */
const SPECIFIED: readonly [offered: string, member: string, server: readonly string[]][] = [
  ['subject_types_supported', 'subject_type', SERVER.subjects],
  ['id_token_signing_alg_values_supported', 'id_token_signed_response_alg', SERVER.signing],
  ['id_token_encryption_alg_values_supported', 'id_token_encrypted_response_alg', SERVER.algs],
  ['id_token_encryption_enc_values_supported', 'id_token_encrypted_response_enc', SERVER.encs],
  ['userinfo_signing_alg_values_supported', 'userinfo_signed_response_alg', SERVER.signing],
  ['userinfo_encryption_alg_values_supported', 'userinfo_encrypted_response_alg', SERVER.algs],
  ['userinfo_encryption_enc_values_supported', 'userinfo_encrypted_response_enc', SERVER.encs],
  ['request_object_signing_alg_values_supported', 'request_object_signing_alg', SERVER.signing],
  ['request_object_encryption_alg_values_supported', 'request_object_encryption_alg', SERVER.algs],
  ['request_object_encryption_enc_values_supported', 'request_object_encryption_enc', SERVER.encs],
  ['token_endpoint_auth_methods_supported', 'token_endpoint_auth_method', SERVER.methods],
  ['token_endpoint_auth_signing_alg_values_supported', 'token_endpoint_auth_signing_alg', SERVER.signing],
];

/** A document offering `values` in `offered`, with the `_alg` an `_enc` member needs. */
function offering(offered: string, member: string, values: unknown[]): Record<string, unknown> {
  const document: Record<string, unknown> = { ...BASE, [offered]: values };
  if (member === 'token_endpoint_auth_method') delete document[member];
  if (member.endsWith('_enc')) document[member.replace(/_enc$/, '_alg')] = 'RSA-OAEP-256';
  return document;
}

describe('RP Metadata Choices, every list', () => {
  it('reads exactly the lists the specification defines for the members Registrar validates', () => {
    const pairs = (rows: readonly (readonly [string, string])[]) =>
      rows.map((row) => row.join(' -> ')).sort();
    assert.deepEqual(
      pairs(METADATA_CHOICES.map((choice) => [choice.offered, choice.member])),
      pairs(SPECIFIED.map(([offered, member]) => [offered, member])),
    );
  });

  for (const [offered, member, server] of SPECIFIED) {
    it(`settles ${offered} into ${member}, in the server's order, and drops the list`, () => {
      const metadata = validateClientMetadata(
        offering(offered, member, ['x-unknown', ...[...server].reverse()]),
        RULES,
      );
      assert.equal(metadata[member as keyof typeof metadata], server[0]);
      assert.ok(!(offered in metadata), `${offered} is not stored`);
    });

    it(`refuses ${offered} with nothing the server supports, naming it`, () => {
      assert.throws(() => validateClientMetadata(offering(offered, member, ['x-unknown']), RULES), {
        code: 'invalid_client_metadata',
        description: new RegExp(
          `^${offered} offers no (algorithm|method|subject type) this server supports\\.$`,
        ),
      });
    });
  }

  for (const [offered, member, server] of SPECIFIED.filter(
    ([, member]) => member !== 'token_endpoint_auth_method',
  )) {
    it(`refuses ${member} sent beside ${offered} without being in it`, () => {
      const document = { ...offering(offered, member, [server[0]]), [member]: server[1] };
      assert.throws(() => validateClientMetadata(document, RULES), {
        code: 'invalid_client_metadata',
        description: `${member} '${server[1]}' is not listed in ${offered}.`,
      });
    });
  }

  it('offers "none" for the ID token last, after every signing algorithm the server has', () => {
    const pick = (values: string[]) =>
      validateClientMetadata({ ...BASE, id_token_signing_alg_values_supported: values }, RULES)
        .id_token_signed_response_alg;
    assert.equal(pick(['none', 'RS256']), 'RS256');
    assert.equal(pick(['none']), 'none');
  });
});
