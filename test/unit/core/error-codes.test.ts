// One error shape: every error class the package exports carries a `code` from its exported
// union, keeps its public text apart from its private cause, and holds no HTTP header. The
// headers (WWW-Authenticate, Retry-After, Allow) and the 405 and 413 answers are framed by
// src/http/, which is checked here over real createRegistrar().fetch calls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accessDenied,
  invalidClient,
  invalidClientMetadata,
  invalidRequest,
  invalidSoftwareStatement,
  invalidToken,
  serverError,
  temporarilyUnavailable,
  unapprovedSoftwareStatement,
} from '../../../src/core/errors.js';
import * as api from '../../../src/index.js';
import {
  type ClientResolutionErrorCode,
  ConfigurationError,
  type ConfigurationErrorCode,
  createRegistrar,
  errorHeaders,
  type OutboundFetchFailure,
  type RegistrarErrorCode,
  RegistrationError,
  type RegistrationErrorCode,
  StoreUnavailableError,
  type StoreUnavailableErrorCode,
} from '../../../src/index.js';
import { createMemoryStore } from '../../../src/store/memory.js';

// Each record names every value of its union exactly once: a value added to or removed from a
// union without updating it here fails to compile.
const REGISTRATION_CODES: Record<RegistrationErrorCode, true> = {
  invalid_request: true,
  invalid_redirect_uri: true,
  invalid_client_metadata: true,
  invalid_software_statement: true,
  unapproved_software_statement: true,
  invalid_token: true,
  invalid_client: true,
  access_denied: true,
  too_many_requests: true,
  temporarily_unavailable: true,
  server_error: true,
};
const RESOLUTION_CODES: Record<ClientResolutionErrorCode, true> = {
  unknown_client: true,
  invalid_client_id: true,
  document_not_allowed: true,
  document_unavailable: true,
  invalid_document: true,
  pending_approval: true,
  temporarily_unavailable: true,
  server_error: true,
};
const FETCH_CODES: Record<OutboundFetchFailure, true> = {
  invalid_url: true,
  not_https: true,
  forbidden_address: true,
  dns_failure: true,
  timeout: true,
  too_large: true,
  network: true,
};
const CONFIGURATION_CODES: Record<ConfigurationErrorCode, true> = { configuration_error: true };
const STORE_CODES: Record<StoreUnavailableErrorCode, true> = { store_unavailable: true };
const ALL_CODES: Record<RegistrarErrorCode, true> = {
  ...REGISTRATION_CODES,
  ...RESOLUTION_CODES,
  ...FETCH_CODES,
  ...CONFIGURATION_CODES,
  ...STORE_CODES,
};

/** One instance of each exported error class, and the codes its union allows. */
const SAMPLES: Record<
  string,
  { readonly error: Error & { readonly code: unknown }; readonly codes: object }
> = {
  RegistrationError: {
    error: new RegistrationError(400, 'invalid_client_metadata', 'Rejected.'),
    codes: REGISTRATION_CODES,
  },
  ClientResolutionError: {
    error: new api.ClientResolutionError('unknown_client', 'No such client.'),
    codes: RESOLUTION_CODES,
  },
  OutboundFetchError: { error: new api.OutboundFetchError('timeout', 'Timed out.'), codes: FETCH_CODES },
  ConfigurationError: { error: new ConfigurationError('Bad.'), codes: CONFIGURATION_CODES },
  StoreUnavailableError: { error: new StoreUnavailableError(), codes: STORE_CODES },
};

const ISSUER = 'https://as.example.org';
const REGISTER = `${ISSUER}/oauth/register`;
const BODY = JSON.stringify({ redirect_uris: ['https://client.example.org/cb'] });

function post(body: string = BODY, headers: Record<string, string> = {}): Request {
  return new Request(REGISTER, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function errorOf(response: Response): Promise<unknown> {
  assert.equal(response.headers.get('content-type'), 'application/json');
  return response.json();
}

describe('error codes', () => {
  it('every error class the package exports is sampled here', () => {
    const exported = Object.entries(api)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name)
      .sort();
    assert.deepEqual(exported, Object.keys(SAMPLES).sort());
  });

  for (const [name, { error, codes }] of Object.entries(SAMPLES)) {
    it(`${name} has a code from its union, which RegistrarErrorCode holds`, () => {
      assert.equal(typeof error.code, 'string');
      assert.ok(Object.hasOwn(codes, error.code as string), `${name}.code ${String(error.code)}`);
      assert.ok(Object.hasOwn(ALL_CODES, error.code as string));
      assert.equal(error.name, name);
      assert.equal('headers' in error, false, `${name} carries no HTTP header`);
    });
  }

  it("a ConfigurationError thrown by createRegistrar has code 'configuration_error'", () => {
    assert.throws(
      () => createRegistrar({ issuer: 'not a url', registration: createMemoryStore() }),
      (error: unknown) => error instanceof ConfigurationError && error.code === 'configuration_error',
    );
  });

  it("an OutboundFetchError's code picks the public phrase; its private message stays out", async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
      clientIdMetadataDocuments: { enabled: true },
      fetch: { resolve: async () => [{ address: '10.0.0.1', family: 4 }] },
    });
    await assert.rejects(
      registrar.resolveClient('https://client.example.org/meta.json'),
      (error: unknown) => {
        assert.ok(error instanceof api.ClientResolutionError);
        assert.equal(error.code, 'document_unavailable');
        assert.doesNotMatch(error.message, /10\.0\.0\.1/);
        assert.ok(error.cause instanceof api.OutboundFetchError);
        assert.equal(error.cause.code, 'forbidden_address');
        return true;
      },
    );
  });
});

describe('public text and private cause', () => {
  const secret = 'db password hunter2 at 10.1.2.3';
  const cause = new Error(secret);
  const made: readonly RegistrationError[] = [
    invalidRequest('The request is malformed.', cause),
    invalidClientMetadata('The metadata is invalid.', cause),
    invalidSoftwareStatement('The statement is invalid.', cause),
    unapprovedSoftwareStatement('The statement is not approved.', cause),
    invalidToken(cause),
    invalidClient('https://as.example.org', cause),
    accessDenied('Refused.', cause),
    temporarilyUnavailable(cause),
    serverError(cause),
    new RegistrationError(400, 'invalid_request', 'Own text.', { cause }),
  ];

  for (const error of made) {
    it(`${error.code} (${error.status}) keeps its cause out of the description and message`, () => {
      assert.equal(error.cause, cause);
      assert.equal(error.description.includes(secret), false);
      assert.equal(error.message.includes(secret), false);
      assert.equal(error.message, error.description);
    });
  }

  it('an authenticateClient refusal says why only in its cause', async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
    });
    await assert.rejects(
      registrar.authenticateClient({ headers: {}, body: 'client_secret=s' }),
      (error: unknown) => {
        assert.ok(error instanceof RegistrationError);
        assert.equal(error.code, 'invalid_client');
        assert.equal(error.description, 'Client authentication failed.');
        assert.ok(error.cause instanceof Error);
        assert.equal(error.description.includes(error.cause.message), false);
        return true;
      },
    );
  });
});

describe('HTTP framing', () => {
  it('405 lists the allowed methods in Allow', async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
    });
    const response = await registrar.fetch(new Request(REGISTER, { method: 'GET' }));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST, OPTIONS');
    assert.deepEqual(await errorOf(response), {
      error: 'invalid_request',
      error_description: 'Method not allowed; allowed: POST, OPTIONS.',
    });
  });

  it('413 for a body over maxBodyBytes, with no challenge and no Retry-After', async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
      maxBodyBytes: 64,
    });
    const response = await registrar.fetch(post(JSON.stringify({ client_name: 'x'.repeat(100) })));
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('www-authenticate'), null);
    assert.equal(response.headers.get('retry-after'), null);
    assert.deepEqual(await errorOf(response), {
      error: 'invalid_request',
      error_description: 'The request body exceeds 64 bytes.',
    });
  });

  it('401 challenges: bare Bearer for a missing token, Bearer error="invalid_token" for a wrong one', async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
      initialAccessToken: 'an-initial-access-token-of-enough-length',
    });
    const missing = await registrar.fetch(post());
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.equal(((await errorOf(missing)) as { error: string }).error, 'invalid_request');
    const wrong = await registrar.fetch(post(BODY, { authorization: 'Bearer not-the-token' }));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(((await errorOf(wrong)) as { error: string }).error, 'invalid_token');
  });

  it('429 carries Retry-After from the error, in whole seconds', async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: { registrations: { limit: 1, windowSeconds: 60 } },
    });
    assert.equal((await registrar.fetch(post(), { remoteAddress: '192.0.2.7' })).status, 201);
    const refused = await registrar.fetch(post(), { remoteAddress: '192.0.2.7' });
    assert.equal(refused.status, 429);
    const seconds = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, String(seconds));
    assert.equal(((await errorOf(refused)) as { error: string }).error, 'too_many_requests');
  });

  it("503 carries the store's retryAfterSeconds as Retry-After", async () => {
    const store = createMemoryStore();
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: {
        ...store,
        registerClient: async () => {
          throw new StoreUnavailableError('connection refused by 10.9.9.9', { retryAfterSeconds: 7 });
        },
      },
      rateLimit: false,
    });
    const response = await registrar.fetch(post());
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '7');
    const body = (await errorOf(response)) as { error: string; error_description: string };
    assert.equal(body.error, 'temporarily_unavailable');
    assert.doesNotMatch(body.error_description, /10\.9\.9\.9/);
  });

  it('errorHeaders gives a host the Basic challenge of an authenticateClient refusal', async () => {
    const registrar = createRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
    });
    const basic = `Basic ${btoa('no-such-client:wrong')}`;
    await assert.rejects(
      registrar.authenticateClient({ headers: { authorization: basic }, body: '' }),
      (error: unknown) => {
        assert.ok(error instanceof RegistrationError);
        assert.deepEqual(error.challenge, { scheme: 'Basic', realm: ISSUER });
        assert.deepEqual(errorHeaders(error), { 'www-authenticate': `Basic realm="${ISSUER}"` });
        return true;
      },
    );
  });

  it('errorHeaders writes a realm without the quote and backslash a quoted string would need escaped', () => {
    const error = invalidClient('a"b\\c');
    assert.deepEqual(errorHeaders(error), { 'www-authenticate': 'Basic realm="abc"' });
    assert.deepEqual(errorHeaders(invalidClient()), {});
  });
});

describe('the stack of a RegistrationError', () => {
  it('is not captured for a 4xx refusal, is kept for a 5xx, and leaves the stack limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const refusal = invalidClientMetadata('grant_types must be an array of strings.');
    assert.equal(refusal.stack, 'RegistrationError: grant_types must be an array of strings.');
    const limited = new RegistrationError(429, 'too_many_requests', 'Too many requests.');
    assert.doesNotMatch(limited.stack ?? '', /\n\s+at /);
    const failure = serverError(new Error('the store broke'));
    assert.match(failure.stack ?? '', /\n\s+at /);
    assert.equal(Error.stackTraceLimit, limit);
    assert.match(new Error('after').stack ?? '', /\n\s+at /, 'ordinary errors keep their stacks');
  });
});
