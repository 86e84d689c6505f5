// The end-to-end suites the parity run (test/parity/) mounts again through Express, Fastify and
// Hono: listed here by hand, so what parity covers is what this file says. Each suite is a test
// file of this folder that reaches Registrar only through `startRegistrar` (test/helpers/http.ts),
// which mounts it through the adapter REGISTRAR_TEST_ADAPTER names. test/parity/registry.test.ts
// fails when a test file that calls `startRegistrar` is in neither list below.

/** The suites run once per adapter, as paths relative to this folder. */
export const PARITY_SUITES: readonly string[] = [
  'authenticate-client.test.ts',
  'client-id-metadata-document.test.ts',
  'config-types.test.ts',
  'counts.test.ts',
  'discovery.test.ts',
  'error-descriptions.test.ts',
  'initial-access-token.test.ts',
  'json-depth.test.ts',
  'lifecycle.test.ts',
  'management.test.ts',
  'mcp-clients.test.ts',
  'mcp-sdk-auth.test.ts',
  'metadata-fuzz.test.ts',
  'oidc-metadata.test.ts',
  'policies.test.ts',
  'public-client-renewal.test.ts',
  'rate-limit.test.ts',
  'registration.test.ts',
  'secrets.test.ts',
  'software-statement-binding.test.ts',
  'software-statement.test.ts',
  'store-contract.test.ts',
  'typed-metadata.test.ts',
];

/**
 * The test files that call `startRegistrar` but run once, through node:http, as paths relative to
 * test/, each with the reason.
 */
export const SINGLE_MOUNT: Readonly<Record<string, string>> = {
  'stores/odd-identifiers.test.ts':
    'needs PostgreSQL (its // services: line); the runner checks that service, and the parity run does not',
  'reliability/management-failure-race.test.ts':
    'needs PostgreSQL and Redis (its // services: line); the runner checks those services, and the parity run does not',
  'e2e/activation-approval.test.ts':
    'needs PostgreSQL (its // services: line); the runner checks that service, and the parity run does not',
  'e2e/stateless-registration.test.ts':
    'needs PostgreSQL (its // services: line); the runner checks that service, and the parity run does not',
  'e2e/client-caps.test.ts':
    'needs PostgreSQL (its // services: line) for its stores and its two instances; the runner checks that service, and the parity run does not',
  'e2e/operator-clients.test.ts':
    'needs PostgreSQL (its // services: line); the runner checks that service, and the parity run does not',
  'e2e/one-read-lookup.test.ts':
    'counts the store calls of the library and of one management read; the parity suites cover those requests through every adapter',
  'e2e/document-trust.test.ts':
    'drives the library (resolveClient, the document import and refresh, the CLI); its one HTTP call is a management read the parity suites already cover',
};
