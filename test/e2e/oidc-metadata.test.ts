// OpenID Connect registration members (docs/behaviour.md) over real HTTP: defaults,
// every member accepted and echoed, and every bad value answered with its exact
// error, without the store being called. sector_identifier_uri documents come
// from a real TLS server on loopback through the safe fetcher.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigurationError } from '../../src/core/errors.js';
import { validateClientMetadata } from '../../src/core/metadata/validate-metadata.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  type Sinkhole,
  startHttpsServer,
  startSinkhole,
  tableResolver,
} from '../helpers/tls.js';

const A = 'https://a.example/cb';
const B = 'https://b.example/cb';
const GOOD = { redirect_uris: [A] };

describe('OpenID Connect registration members', () => {
  let server: TestServer;
  let plain: TestServer;
  let sector: HttpsTestServer;
  let sink: Sinkhole;
  const store = recordingStore(createMemoryStore());
  const registerCalls = () => store.calls.filter((call) => call.name === 'registerClient').length;
  const sectorUri = (path: string) => `https://sector.test:${sector.port}${path}`;

  before(async () => {
    sink = await startSinkhole();
    sector = await startHttpsServer((req, res) => {
      const json = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      switch (req.url) {
        case '/both.json':
          return json(200, JSON.stringify([A, B, 'https://c.example/cb']));
        case '/only-a.json':
          return json(200, JSON.stringify([A]));
        case '/object.json':
          return json(200, JSON.stringify({ redirect_uris: [A, B] }));
        case '/numbers.json':
          return json(200, '[1, 2]');
        case '/not-json':
          return json(200, '<html>');
        case '/missing':
          return json(404, '[]');
        case '/redirect':
          return res.writeHead(302, { location: `https://127.0.0.1:${sink.port}/both.json` }).end();
        case '/huge':
          return json(200, JSON.stringify(Array.from({ length: 200 }, (_, i) => `https://a.example/${i}`)));
        case '/stall':
          res.writeHead(200);
          res.write('[');
          return;
        default:
          return json(404, '');
      }
    });
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      grantTypesSupported: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
      responseTypesSupported: ['code', 'id_token', 'code id_token'],
      subjectTypesSupported: ['public', 'pairwise'],
      encryptionAlgValuesSupported: ['RSA-OAEP-256', 'ECDH-ES'],
      encryptionEncValuesSupported: ['A128CBC-HS256', 'A256GCM'],
      fetch: {
        ...loopbackFetchOptions(
          tableResolver({
            'sector.test': '127.0.0.1',
            'metadata.test': '169.254.169.254',
            'private.test': '10.1.2.3',
          }),
        ),
        maxBytes: 2048,
        timeoutMs: 1000,
      },
    });
    plain = await startRegistrar({ registrationEnabled: true, registration: createMemoryStore() });
  });
  after(async () => {
    await server.close();
    await plain.close();
    await sector.close();
    await sink.close();
  });

  it('publishes the encryption lists in discovery only when encryption is configured', () => {
    const metadata = server.registrar.metadata();
    for (const object of ['id_token', 'userinfo', 'request_object']) {
      assert.deepEqual(metadata[`${object}_encryption_alg_values_supported`], ['RSA-OAEP-256', 'ECDH-ES']);
      assert.deepEqual(metadata[`${object}_encryption_enc_values_supported`], ['A128CBC-HS256', 'A256GCM']);
    }
    assert.deepEqual(metadata.subject_types_supported, ['public', 'pairwise']);
    const defaults = plain.registrar.metadata();
    assert.ok(!Object.keys(defaults).some((member) => member.includes('encryption')));
    assert.deepEqual(defaults.subject_types_supported, ['public']);
  });

  it('fills the OpenID Connect defaults', async () => {
    const { status, json } = await register(server.url, GOOD);
    assert.equal(status, 201);
    assert.equal(json.id_token_signed_response_alg, 'RS256');
    assert.equal(json.require_auth_time, false);
    for (const member of [
      'subject_type',
      'id_token_encrypted_response_alg',
      'id_token_encrypted_response_enc',
    ]) {
      assert.ok(!(member in json), member);
    }
  });

  it('accepts and echoes every OpenID Connect member', async () => {
    const body = {
      redirect_uris: [A, B],
      subject_type: 'pairwise',
      sector_identifier_uri: sectorUri('/both.json'),
      id_token_signed_response_alg: 'ES256',
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      userinfo_signed_response_alg: 'PS256',
      userinfo_encrypted_response_alg: 'ECDH-ES',
      userinfo_encrypted_response_enc: 'A256GCM',
      request_object_signing_alg: 'EdDSA',
      request_object_encryption_alg: 'RSA-OAEP-256',
      request_object_encryption_enc: 'A128CBC-HS256',
      default_max_age: 3600,
      require_auth_time: true,
      default_acr_values: ['urn:mace:incommon:iap:silver', 'loa2'],
      initiate_login_uri: 'https://a.example/login',
      request_uris: ['https://a.example/request.jwt#Gv3N7bSq'],
      post_logout_redirect_uris: ['https://a.example/bye', 'https://a.example/bye'],
      backchannel_logout_uri: 'http://127.0.0.1:9000/backchannel',
      backchannel_logout_session_required: true,
      frontchannel_logout_uri: 'https://a.example/frontchannel?x=1',
      frontchannel_logout_session_required: false,
    };
    const requestsBefore = sector.requests.length;
    const { status, json } = await register(server.url, body);
    assert.equal(status, 201, JSON.stringify(json));
    for (const [member, value] of Object.entries(body)) {
      if (member === 'post_logout_redirect_uris') continue;
      assert.deepEqual(json[member], value, member);
    }
    assert.deepEqual(json.post_logout_redirect_uris, ['https://a.example/bye']);
    // Only the _alg was sent: the _enc default applies (OpenID Connect Registration §2).
    assert.equal(json.id_token_encrypted_response_enc, 'A128CBC-HS256');
    assert.equal(sector.requests.length, requestsBefore + 1);
    assert.equal(sector.requests.at(-1)?.headers.accept, 'application/json');
  });

  it('lets a pairwise client with redirect URIs on one host omit sector_identifier_uri', async () => {
    const { status, json } = await register(server.url, {
      redirect_uris: [A, 'https://a.example:8443/other'],
      subject_type: 'pairwise',
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.subject_type, 'pairwise');
  });

  it('accepts id_token_signed_response_alg "none" when no ID token comes from the authorization endpoint', async () => {
    const { status, json } = await register(server.url, { ...GOOD, id_token_signed_response_alg: 'none' });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.id_token_signed_response_alg, 'none');
  });

  describe('RP Metadata Choices: the server settles each offered list into one value', () => {
    const lastRegistered = () => store.calls.filter((call) => call.name === 'registerClient').at(-1);

    it("picks the server's first value the client offers, and stores and returns only that value", async () => {
      const body = {
        ...GOOD,
        subject_types_supported: ['pairwise', 'public'],
        id_token_signing_alg_values_supported: ['EdDSA', 'ES256'],
        userinfo_signing_alg_values_supported: ['EdDSA'],
        request_object_signing_alg_values_supported: ['PS256', 'HS256', 'RS256'],
        id_token_encryption_alg_values_supported: ['ECDH-ES', 'RSA-OAEP-256'],
        id_token_encryption_enc_values_supported: ['A256GCM'],
        userinfo_encryption_alg_values_supported: ['ECDH-ES'],
        request_object_encryption_alg_values_supported: ['RSA-OAEP-256'],
        request_object_encryption_enc_values_supported: ['A256GCM', 'A128CBC-HS256'],
      };
      const { status, json } = await register(server.url, body);
      assert.equal(status, 201, JSON.stringify(json));
      const chosen = {
        subject_type: 'public',
        id_token_signed_response_alg: 'ES256',
        userinfo_signed_response_alg: 'EdDSA',
        request_object_signing_alg: 'RS256',
        id_token_encrypted_response_alg: 'RSA-OAEP-256',
        id_token_encrypted_response_enc: 'A256GCM',
        userinfo_encrypted_response_alg: 'ECDH-ES',
        // Only its _alg came as a list: the _enc default applies to the chosen _alg.
        userinfo_encrypted_response_enc: 'A128CBC-HS256',
        request_object_encryption_alg: 'RSA-OAEP-256',
        request_object_encryption_enc: 'A128CBC-HS256',
      };
      for (const [member, value] of Object.entries(chosen)) assert.equal(json[member], value, member);
      for (const member of Object.keys(body)) {
        if (member.endsWith('_supported')) assert.ok(!(member in json), `${member} is not returned`);
      }
      assert.ok(!JSON.stringify(lastRegistered()?.args).includes('_supported'), 'no list is stored');
      const resolved = await server.registrar.resolveClient(json.client_id as string);
      for (const [member, value] of Object.entries(chosen)) {
        assert.equal(resolved.metadata[member as keyof typeof resolved.metadata], value, member);
      }
    });

    it('takes the server order over the single value sent beside its list', async () => {
      const { status, json } = await register(server.url, {
        ...GOOD,
        id_token_signed_response_alg: 'EdDSA',
        id_token_signing_alg_values_supported: ['EdDSA', 'PS256'],
      });
      assert.equal(status, 201, JSON.stringify(json));
      assert.equal(json.id_token_signed_response_alg, 'PS256');
    });

    it('settles an ID token list on "none" only when no ID token comes from the authorization endpoint', async () => {
      const code = await register(server.url, { ...GOOD, id_token_signing_alg_values_supported: ['none'] });
      assert.equal(code.status, 201, JSON.stringify(code.json));
      assert.equal(code.json.id_token_signed_response_alg, 'none');
      const hybrid = {
        ...GOOD,
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['code id_token'],
      };
      const preferred = await register(server.url, {
        ...hybrid,
        id_token_signing_alg_values_supported: ['none', 'EdDSA'],
      });
      assert.equal(preferred.json.id_token_signed_response_alg, 'EdDSA', JSON.stringify(preferred.json));
      const callsBefore = registerCalls();
      const refused = await register(server.url, {
        ...hybrid,
        id_token_signing_alg_values_supported: ['none'],
      });
      assert.deepEqual(refused.json, {
        error: 'invalid_client_metadata',
        error_description: 'id_token_signing_alg_values_supported offers no algorithm this server supports.',
      });
      assert.equal(registerCalls(), callsBefore);
    });
  });

  it('checks the sector identifier document only after the other members pass', async () => {
    const requestsBefore = sector.requests.length;
    const { status, json } = await register(server.url, {
      ...GOOD,
      sector_identifier_uri: sectorUri('/both.json'),
      require_auth_time: 'yes',
    });
    assert.equal(status, 400);
    assert.equal(json.error_description, 'require_auth_time must be a boolean.');
    assert.equal(sector.requests.length, requestsBefore);
  });

  describe('refuses bad members with the exact error, without calling the store', () => {
    const cases: { name: string; body: () => Record<string, unknown>; description: string; on?: 'plain' }[] =
      [
        {
          name: 'an unknown subject_type',
          body: () => ({ ...GOOD, subject_type: 'anonymous' }),
          description: "subject_type must be 'public' or 'pairwise'.",
        },
        {
          name: 'a non-string subject_type',
          body: () => ({ ...GOOD, subject_type: 5 }),
          description: 'subject_type must be a string.',
        },
        {
          name: 'pairwise where the server supports only public',
          on: 'plain',
          body: () => ({ ...GOOD, subject_type: 'pairwise' }),
          description: "subject_type 'pairwise' is not supported by this server.",
        },
        {
          name: 'pairwise with redirect URIs on several hosts and no sector_identifier_uri',
          body: () => ({ redirect_uris: [A, B], subject_type: 'pairwise' }),
          description:
            "subject_type 'pairwise' with redirect URIs on several hosts needs a sector_identifier_uri.",
        },
        {
          name: 'an http sector_identifier_uri',
          body: () => ({ ...GOOD, sector_identifier_uri: `http://sector.test:${sector.port}/both.json` }),
          description: 'sector_identifier_uri must use https.',
        },
        {
          name: 'a relative sector_identifier_uri',
          body: () => ({ ...GOOD, sector_identifier_uri: '/both.json' }),
          description: 'sector_identifier_uri must be an absolute URL.',
        },
        {
          name: 'a sector_identifier_uri with a fragment',
          body: () => ({ ...GOOD, sector_identifier_uri: `${sectorUri('/both.json')}#x` }),
          description: 'sector_identifier_uri must not contain a fragment.',
        },
        {
          name: 'a sector_identifier_uri with user information',
          body: () => ({
            ...GOOD,
            sector_identifier_uri: `https://u:p@sector.test:${sector.port}/both.json`,
          }),
          description: 'sector_identifier_uri must not contain whitespace or user information.',
        },
        {
          name: 'a sector document that lacks a redirect URI',
          body: () => ({
            redirect_uris: [A, B],
            subject_type: 'pairwise',
            sector_identifier_uri: sectorUri('/only-a.json'),
          }),
          description: `The sector_identifier_uri document does not list the redirect URI '${B}'.`,
        },
        {
          name: 'a sector document that is an object',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/object.json') }),
          description: 'sector_identifier_uri did not return a JSON array of strings.',
        },
        {
          name: 'a sector document of numbers',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/numbers.json') }),
          description: 'sector_identifier_uri did not return a JSON array of strings.',
        },
        {
          name: 'a sector document that is not JSON',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/not-json') }),
          description: 'sector_identifier_uri did not return valid JSON.',
        },
        {
          name: 'a sector document answering 404',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/missing') }),
          description: 'sector_identifier_uri answered with HTTP status 404; 200 is required.',
        },
        {
          name: 'a sector document answering with a redirect, which is not followed',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/redirect') }),
          description: 'sector_identifier_uri answered with HTTP status 302; 200 is required.',
        },
        {
          name: 'a sector document over the size cap',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/huge') }),
          description: 'sector_identifier_uri could not be fetched: the response is larger than allowed.',
        },
        {
          name: 'a sector host that resolves to the cloud metadata address',
          body: () => ({ ...GOOD, sector_identifier_uri: 'https://metadata.test/latest/meta-data/' }),
          description:
            'sector_identifier_uri could not be fetched: its host is not a publicly reachable address.',
        },
        {
          name: 'a sector host that resolves to a private address',
          body: () => ({ ...GOOD, sector_identifier_uri: 'https://private.test/sector.json' }),
          description:
            'sector_identifier_uri could not be fetched: its host is not a publicly reachable address.',
        },
        {
          name: 'a sector URI on 0.0.0.0',
          body: () => ({ ...GOOD, sector_identifier_uri: `https://0.0.0.0:${sink.port}/both.json` }),
          description:
            'sector_identifier_uri could not be fetched: its host is not a publicly reachable address.',
        },
        {
          name: 'a sector URI on a link-local IPv6 address',
          body: () => ({ ...GOOD, sector_identifier_uri: 'https://[fe80::1]/both.json' }),
          description:
            'sector_identifier_uri could not be fetched: its host is not a publicly reachable address.',
        },
        {
          name: 'a sector host that does not resolve',
          body: () => ({ ...GOOD, sector_identifier_uri: 'https://nowhere.test/both.json' }),
          description: 'sector_identifier_uri could not be fetched: its host name could not be resolved.',
        },
        {
          name: 'a sector document that never finishes',
          body: () => ({ ...GOOD, sector_identifier_uri: sectorUri('/stall') }),
          description: 'sector_identifier_uri could not be fetched: the request timed out.',
        },
        {
          name: 'a loopback sector URI where loopback is not allowed',
          on: 'plain',
          body: () => ({ ...GOOD, sector_identifier_uri: `https://127.0.0.1:${sink.port}/both.json` }),
          description:
            'sector_identifier_uri could not be fetched: its host is not a publicly reachable address.',
        },
        {
          name: 'id_token_signed_response_alg "none" with a response type that returns an ID token',
          body: () => ({
            ...GOOD,
            grant_types: ['authorization_code', 'implicit'],
            response_types: ['code id_token'],
            id_token_signed_response_alg: 'none',
          }),
          description:
            "id_token_signed_response_alg 'none' is not allowed with a response type that returns an ID token.",
        },
        {
          name: 'an unsupported id_token_signed_response_alg',
          body: () => ({ ...GOOD, id_token_signed_response_alg: 'HS256' }),
          description: "id_token_signed_response_alg 'HS256' is not supported by this server.",
        },
        {
          name: 'a non-string id_token_signed_response_alg',
          body: () => ({ ...GOOD, id_token_signed_response_alg: 7 }),
          description: 'id_token_signed_response_alg must be a string.',
        },
        {
          name: 'userinfo_signed_response_alg "none"',
          body: () => ({ ...GOOD, userinfo_signed_response_alg: 'none' }),
          description: "userinfo_signed_response_alg 'none' is not supported by this server.",
        },
        {
          name: 'an unsupported request_object_signing_alg',
          body: () => ({ ...GOOD, request_object_signing_alg: 'HS512' }),
          description: "request_object_signing_alg 'HS512' is not supported by this server.",
        },
        {
          name: 'an _enc member without its _alg member',
          body: () => ({ ...GOOD, id_token_encrypted_response_enc: 'A256GCM' }),
          description: 'id_token_encrypted_response_enc needs id_token_encrypted_response_alg.',
        },
        {
          name: 'request_object_encryption_enc without request_object_encryption_alg',
          body: () => ({ ...GOOD, request_object_encryption_enc: 'A256GCM' }),
          description: 'request_object_encryption_enc needs request_object_encryption_alg.',
        },
        {
          name: 'an unsupported encryption alg',
          body: () => ({ ...GOOD, userinfo_encrypted_response_alg: 'RSA1_5' }),
          description: "userinfo_encrypted_response_alg 'RSA1_5' is not supported by this server.",
        },
        {
          name: 'an unsupported encryption enc',
          body: () => ({
            ...GOOD,
            request_object_encryption_alg: 'ECDH-ES',
            request_object_encryption_enc: 'A192GCM',
          }),
          description: "request_object_encryption_enc 'A192GCM' is not supported by this server.",
        },
        {
          name: 'an encryption member where the server offers no encryption',
          on: 'plain',
          body: () => ({ ...GOOD, id_token_encrypted_response_alg: 'RSA-OAEP-256' }),
          description: 'id_token_encrypted_response_alg is not supported: this server offers no encryption.',
        },
        {
          name: 'a negative default_max_age',
          body: () => ({ ...GOOD, default_max_age: -1 }),
          description: 'default_max_age must be a non-negative integer number of seconds.',
        },
        {
          name: 'a fractional default_max_age',
          body: () => ({ ...GOOD, default_max_age: 1.5 }),
          description: 'default_max_age must be a non-negative integer number of seconds.',
        },
        {
          name: 'a string default_max_age',
          body: () => ({ ...GOOD, default_max_age: '60' }),
          description: 'default_max_age must be a non-negative integer number of seconds.',
        },
        {
          name: 'a string require_auth_time',
          body: () => ({ ...GOOD, require_auth_time: 'true' }),
          description: 'require_auth_time must be a boolean.',
        },
        {
          name: 'default_acr_values not an array',
          body: () => ({ ...GOOD, default_acr_values: 'loa2' }),
          description: 'default_acr_values must be an array of strings.',
        },
        {
          name: 'an http initiate_login_uri',
          body: () => ({ ...GOOD, initiate_login_uri: 'http://a.example/login' }),
          description: 'initiate_login_uri must use https.',
        },
        {
          name: 'an http request_uris entry',
          body: () => ({ ...GOOD, request_uris: ['https://a.example/r', 'http://a.example/r'] }),
          description: 'request_uris must use https.',
        },
        {
          name: 'request_uris not an array',
          body: () => ({ ...GOOD, request_uris: 'https://a.example/r' }),
          description: 'request_uris must be an array of strings.',
        },
        {
          name: 'post_logout_redirect_uris not an array',
          body: () => ({ ...GOOD, post_logout_redirect_uris: 'https://a.example/bye' }),
          description: 'post_logout_redirect_uris must be an array of strings.',
        },
        {
          name: 'a post-logout redirect URI with a fragment',
          body: () => ({ ...GOOD, post_logout_redirect_uris: ['https://a.example/bye#x'] }),
          description: 'An entry of post_logout_redirect_uris contains a fragment.',
        },
        {
          name: 'a javascript: post-logout redirect URI',
          body: () => ({ ...GOOD, post_logout_redirect_uris: ['javascript:alert(1)'] }),
          description: "An entry of post_logout_redirect_uris uses the forbidden scheme 'javascript'.",
        },
        {
          name: 'an http post-logout redirect URI on a public host',
          body: () => ({ ...GOOD, post_logout_redirect_uris: ['http://a.example/bye'] }),
          description:
            'An entry of post_logout_redirect_uris uses http on a host other than loopback; use https.',
        },
        {
          name: 'a private-use post-logout redirect URI on a web client',
          body: () => ({ ...GOOD, post_logout_redirect_uris: ['com.example.app:/bye'] }),
          description:
            'An entry of post_logout_redirect_uris uses a private-use scheme, which only native clients may use.',
        },
        {
          name: 'a choice list with nothing the server supports',
          body: () => ({ ...GOOD, id_token_signing_alg_values_supported: ['HS256', 'rs256'] }),
          description: 'id_token_signing_alg_values_supported offers no algorithm this server supports.',
        },
        {
          name: 'a subject type list with nothing the server supports',
          on: 'plain',
          body: () => ({ ...GOOD, subject_types_supported: ['pairwise'] }),
          description: 'subject_types_supported offers no subject type this server supports.',
        },
        {
          name: 'an encryption list on a server without encryption',
          on: 'plain',
          body: () => ({ ...GOOD, userinfo_encryption_alg_values_supported: ['RSA-OAEP-256'] }),
          description: 'userinfo_encryption_alg_values_supported offers no algorithm this server supports.',
        },
        {
          name: 'an empty choice list',
          body: () => ({ ...GOOD, request_object_encryption_alg_values_supported: [] }),
          description:
            'request_object_encryption_alg_values_supported offers no algorithm this server supports.',
        },
        {
          name: 'a single value its list does not hold',
          body: () => ({
            ...GOOD,
            userinfo_signed_response_alg: 'RS256',
            userinfo_signing_alg_values_supported: ['ES256'],
          }),
          description:
            "userinfo_signed_response_alg 'RS256' is not listed in userinfo_signing_alg_values_supported.",
        },
        {
          name: 'a single subject_type its list does not hold, though the server supports both',
          body: () => ({ ...GOOD, subject_type: 'pairwise', subject_types_supported: ['public'] }),
          description: "subject_type 'pairwise' is not listed in subject_types_supported.",
        },
        {
          name: 'a non-string single value beside its list',
          body: () => ({
            ...GOOD,
            request_object_signing_alg: ['RS256'],
            request_object_signing_alg_values_supported: ['RS256'],
          }),
          description: 'request_object_signing_alg must be a string.',
        },
        {
          name: 'a choice list that is a string',
          body: () => ({ ...GOOD, request_object_signing_alg_values_supported: 'RS256' }),
          description: 'request_object_signing_alg_values_supported must be an array of strings.',
        },
        {
          name: 'a choice list with an entry that is not a string',
          body: () => ({ ...GOOD, id_token_encryption_alg_values_supported: ['RSA-OAEP-256', 7] }),
          description: 'id_token_encryption_alg_values_supported must be an array of strings.',
        },
        {
          name: 'an _enc list without its _alg',
          body: () => ({ ...GOOD, userinfo_encryption_enc_values_supported: ['A256GCM'] }),
          description:
            'userinfo_encryption_enc_values_supported needs userinfo_encrypted_response_alg or userinfo_encryption_alg_values_supported.',
        },
        {
          name: 'a chosen pairwise subject type that still needs a sector identifier',
          body: () => ({ redirect_uris: [A, B], subject_types_supported: ['pairwise'] }),
          description:
            "subject_type 'pairwise' with redirect URIs on several hosts needs a sector_identifier_uri.",
        },
        {
          name: 'a post-logout redirect URI with user information',
          body: () => ({ ...GOOD, post_logout_redirect_uris: ['https://evil.example@a.example/bye'] }),
          description: 'An entry of post_logout_redirect_uris contains user information.',
        },
        {
          name: 'a backchannel_logout_uri with a fragment',
          body: () => ({ ...GOOD, backchannel_logout_uri: 'https://a.example/bc#x' }),
          description: 'backchannel_logout_uri must not contain a fragment.',
        },
        {
          name: 'an http backchannel_logout_uri on a public host',
          body: () => ({ ...GOOD, backchannel_logout_uri: 'http://a.example/bc' }),
          description: 'backchannel_logout_uri must use https (or http on a loopback host).',
        },
        {
          name: 'a javascript: frontchannel_logout_uri',
          body: () => ({ ...GOOD, frontchannel_logout_uri: 'javascript:alert(1)' }),
          description: 'frontchannel_logout_uri must use https (or http on a loopback host).',
        },
        {
          name: 'a string backchannel_logout_session_required',
          body: () => ({ ...GOOD, backchannel_logout_session_required: 'yes' }),
          description: 'backchannel_logout_session_required must be a boolean.',
        },
        {
          name: 'a numeric frontchannel_logout_session_required',
          body: () => ({ ...GOOD, frontchannel_logout_session_required: 1 }),
          description: 'frontchannel_logout_session_required must be a boolean.',
        },
      ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const target = testCase.on === 'plain' ? plain : server;
        const callsBefore = registerCalls();
        const { status, json } = await register(target.url, testCase.body());
        assert.equal(status, 400, JSON.stringify(json));
        assert.deepEqual(json, { error: 'invalid_client_metadata', error_description: testCase.description });
        assert.equal(registerCalls(), callsBefore, 'the store was not called');
        assert.equal(sink.connections(), 0, 'nothing reached the sinkhole');
      });
    }
  });

  describe('PUT checks the sector identifier document again', () => {
    it('refuses an update whose new redirect URI the document lacks, and keeps the registration', async () => {
      const created = await register(server.url, {
        redirect_uris: [A],
        subject_type: 'pairwise',
        sector_identifier_uri: sectorUri('/only-a.json'),
        token_endpoint_auth_method: 'none',
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const uri = created.json.registration_client_uri as string;
      const token = created.json.registration_access_token as string;
      const put = (body: Record<string, unknown>, bearer: string) =>
        fetch(uri, {
          method: 'PUT',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: created.json.client_id, ...body }),
        });
      const refused = await put(
        {
          redirect_uris: [A, B],
          subject_type: 'pairwise',
          sector_identifier_uri: sectorUri('/only-a.json'),
          token_endpoint_auth_method: 'none',
        },
        token,
      );
      assert.equal(refused.status, 400);
      assert.deepEqual(await refused.json(), {
        error: 'invalid_client_metadata',
        error_description: `The sector_identifier_uri document does not list the redirect URI '${B}'.`,
      });
      const accepted = await put(
        {
          redirect_uris: [A, B],
          subject_type: 'pairwise',
          sector_identifier_uri: sectorUri('/both.json'),
          token_endpoint_auth_method: 'none',
        },
        token,
      );
      assert.equal(accepted.status, 200);
      const body = (await accepted.json()) as Record<string, unknown>;
      assert.deepEqual(body.redirect_uris, [A, B]);
      assert.equal(body.sector_identifier_uri, sectorUri('/both.json'));
    });
  });
});

describe('OpenID Connect member rules that depend on the server configuration', () => {
  const rules = {
    grantTypesSupported: ['authorization_code'],
    responseTypesSupported: ['code'],
    tokenEndpointAuthMethodsSupported: ['none'],
    signingAlgValuesSupported: ['ES256'],
  };
  const base = { redirect_uris: [A], token_endpoint_auth_method: 'none' };

  it('refuses a default _enc the server does not support, and asks for an explicit one', () => {
    const gcmOnly = {
      ...rules,
      encryptionAlgValuesSupported: ['ECDH-ES'],
      encryptionEncValuesSupported: ['A256GCM'],
    };
    assert.throws(
      () => validateClientMetadata({ ...base, id_token_encrypted_response_alg: 'ECDH-ES' }, gcmOnly),
      {
        code: 'invalid_client_metadata',
        description:
          "id_token_encrypted_response_enc defaults to 'A128CBC-HS256', which this server does not support; send id_token_encrypted_response_enc.",
      },
    );
    const metadata = validateClientMetadata(
      { ...base, id_token_encrypted_response_alg: 'ECDH-ES', id_token_encrypted_response_enc: 'A256GCM' },
      gcmOnly,
    );
    assert.equal(metadata.id_token_encrypted_response_enc, 'A256GCM');
  });

  it('applies the _enc default after an _alg chosen from a list', () => {
    const gcmOnly = {
      ...rules,
      encryptionAlgValuesSupported: ['ECDH-ES'],
      encryptionEncValuesSupported: ['A256GCM'],
    };
    const offered = { ...base, id_token_encryption_alg_values_supported: ['RSA-OAEP', 'ECDH-ES'] };
    assert.throws(() => validateClientMetadata(offered, gcmOnly), {
      code: 'invalid_client_metadata',
      description:
        "id_token_encrypted_response_enc defaults to 'A128CBC-HS256', which this server does not support; send id_token_encrypted_response_enc.",
    });
    const metadata = validateClientMetadata(
      { ...offered, id_token_encryption_enc_values_supported: ['A128CBC-HS256', 'A256GCM'] },
      gcmOnly,
    );
    assert.equal(metadata.id_token_encrypted_response_alg, 'ECDH-ES');
    assert.equal(metadata.id_token_encrypted_response_enc, 'A256GCM');
    assert.ok(!('id_token_encryption_alg_values_supported' in metadata));
  });

  it('defaults subject types to public only when the rules name none', () => {
    assert.equal(validateClientMetadata({ ...base, subject_type: 'public' }, rules).subject_type, 'public');
    assert.throws(() => validateClientMetadata({ ...base, subject_type: 'pairwise' }, rules), {
      description: "subject_type 'pairwise' is not supported by this server.",
    });
  });

  it('accepts only the configured signing algorithms, and "none" only for ID tokens', () => {
    assert.throws(() => validateClientMetadata({ ...base, id_token_signed_response_alg: 'RS256' }, rules), {
      description: "id_token_signed_response_alg 'RS256' is not supported by this server.",
    });
    assert.equal(
      validateClientMetadata({ ...base, request_object_signing_alg: 'ES256' }, rules)
        .request_object_signing_alg,
      'ES256',
    );
    assert.throws(() => validateClientMetadata({ ...base, request_object_signing_alg: 'none' }, rules), {
      description: "request_object_signing_alg 'none' is not supported by this server.",
    });
  });

  it('applies native-client redirect rules to post-logout redirect URIs', () => {
    const metadata = validateClientMetadata(
      {
        redirect_uris: ['http://127.0.0.1:5000/cb'],
        token_endpoint_auth_method: 'none',
        post_logout_redirect_uris: ['com.example.app:/logged-out', 'http://localhost:5000/bye'],
      },
      rules,
    );
    assert.equal(metadata.application_type, 'native');
    assert.deepEqual(metadata.post_logout_redirect_uris, [
      'com.example.app:/logged-out',
      'http://localhost:5000/bye',
    ]);
  });
});

describe('encryption configuration', () => {
  const config = { issuer: 'https://as.example.com' };
  it('refuses key management algorithms without content encryption algorithms, and the reverse', () => {
    assert.throws(() => createRegistrar({ ...config, encryptionAlgValuesSupported: ['RSA-OAEP-256'] }), {
      name: 'ConfigurationError',
      message: 'encryptionAlgValuesSupported needs encryptionEncValuesSupported.',
    });
    assert.throws(
      () => createRegistrar({ ...config, encryptionEncValuesSupported: ['A256GCM'] }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        error.message === 'encryptionEncValuesSupported needs encryptionAlgValuesSupported.',
    );
  });
});
