// Interoperability with client libraries written elsewhere: each discovers a running
// `registrar serve`, registers through RFC 7591 and, where the library can send a bearer request,
// reads its registration back through RFC 7592 §2.1. The server is plain HTTP on loopback, so each
// library is told, through its documented option, to allow insecure requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  discoverAuthorizationServerMetadata,
  registerClient as mcpRegisterClient,
} from '@modelcontextprotocol/sdk/client/auth.js';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { ENDPOINT_FLAGS, type ServeProcess, startServe } from '../helpers/cli.js';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';

describe('interop with third-party clients against registrar serve', () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServe(['--store', 'memory:', '--port', '0', ...ENDPOINT_FLAGS]);
  });
  after(() => serve.stop());

  describe('openid-client', () => {
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      it(`registers with dynamicClientRegistration (${algorithm} discovery) and reads the registration back`, async () => {
        const config = await openid.dynamicClientRegistration(
          new URL(serve.url),
          {
            redirect_uris: ['https://client.example.org/cb'],
            client_name: `openid-client ${algorithm}`,
            token_endpoint_auth_method: 'client_secret_basic',
          },
          undefined,
          { algorithm, execute: [openid.allowInsecureRequests] },
        );
        assert.equal(config.serverMetadata().issuer, serve.url);
        assert.equal(config.serverMetadata().registration_endpoint, `${serve.url}/oauth/register`);
        const registered = config.clientMetadata();
        assert.match(registered.client_id, /^[A-Za-z0-9_-]{22}$/);
        assert.equal(typeof registered.client_secret, 'string');
        assert.equal(registered.client_name, `openid-client ${algorithm}`);

        const token = registered.registration_access_token;
        const uri = registered.registration_client_uri;
        assert.equal(typeof token, 'string');
        assert.equal(uri, `${serve.url}/oauth/register/${registered.client_id}`);
        const read = await openid.fetchProtectedResource(
          config,
          token as string,
          new URL(uri as string),
          'GET',
        );
        assert.equal(read.status, 200);
        const body = (await read.json()) as Record<string, unknown>;
        assert.equal(body.client_id, registered.client_id);
        assert.equal(body.client_name, `openid-client ${algorithm}`);
        assert.deepEqual(body.redirect_uris, ['https://client.example.org/cb']);
        assert.equal(body.registration_access_token, token);
        assert.ok(!('client_secret' in body), 'only the hash is kept, so the secret is never read back');
      });
    }
  });

  describe('oauth4webapi', () => {
    it('registers with dynamicClientRegistrationRequest and reads the registration back', async () => {
      const issuer = new URL(serve.url);
      const insecure = { [oauth.allowInsecureRequests]: true } as const;
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
      const client = await oauth.processDynamicClientRegistrationResponse(
        await oauth.dynamicClientRegistrationRequest(
          as,
          {
            redirect_uris: [REDIRECT_URI],
            token_endpoint_auth_method: 'none',
            client_name: 'oauth4webapi',
          },
          insecure,
        ),
      );
      assert.equal(client.token_endpoint_auth_method, 'none');
      assert.equal(client.application_type, 'native', 'inferred from the loopback redirect URI');
      assert.ok(!('client_secret' in client), 'a public client gets no secret');

      const token = client.registration_access_token;
      const uri = client.registration_client_uri;
      assert.equal(typeof token, 'string');
      assert.equal(typeof uri, 'string');
      const read = await oauth.protectedResourceRequest(
        token as string,
        'GET',
        new URL(uri as string),
        new Headers(),
        null,
        insecure,
      );
      assert.equal(read.status, 200);
      const body = (await read.json()) as Record<string, unknown>;
      assert.equal(body.client_id, client.client_id);
      assert.deepEqual(body.redirect_uris, [REDIRECT_URI]);
      assert.equal(body.client_name, 'oauth4webapi');
    });
  });

  describe('MCP TypeScript SDK', () => {
    it('discovers the authorization server and registers with registerClient', async () => {
      const metadata = await discoverAuthorizationServerMetadata(serve.url);
      assert.ok(metadata, 'discovery found the metadata document');
      assert.equal(metadata.registration_endpoint, `${serve.url}/oauth/register`);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      // The SDK keeps only the members its schema knows; a recording fetch keeps the raw answer.
      const answers: Record<string, unknown>[] = [];
      const recordingFetch = async (input: string | URL, init?: RequestInit) => {
        const response = await fetch(input, init);
        answers.push((await response.clone().json()) as Record<string, unknown>);
        return response;
      };
      const client = await mcpRegisterClient(serve.url, {
        metadata,
        fetchFn: recordingFetch,
        clientMetadata: {
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          client_name: 'MCP client',
        },
      });
      assert.match(client.client_id, /^[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(client.redirect_uris, [REDIRECT_URI]);
      assert.deepEqual(client.grant_types, ['authorization_code', 'refresh_token']);
      assert.equal(client.client_secret, undefined);

      // The registration is real: its access token reads it back from the server.
      const [raw] = answers;
      assert.equal(raw?.client_id, client.client_id);
      const read = await fetch(raw.registration_client_uri as string, {
        headers: { authorization: `Bearer ${raw.registration_access_token}` },
      });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { client_name?: string }).client_name, 'MCP client');
    });
  });
});
