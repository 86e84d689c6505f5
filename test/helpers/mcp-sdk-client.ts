// The MCP TypeScript SDK's client side of an authorization code login with PKCE, shared by the
// suites that run the SDK's auth() against a Registrar-backed server: an OAuthClientProvider kept
// in memory that follows the authorization redirect itself, and the two auth() calls around it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  auth,
  extractWWWAuthenticateParams,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { protectedResourceMetadataUrl } from '../../src/core/host/protected-resource.js';

export const REDIRECT_URI = 'http://127.0.0.1:33418/callback';

/** An OAuthClientProvider that keeps everything in memory and follows the authorization redirect itself. */
export class MemoryProvider implements OAuthClientProvider {
  information: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier: string | undefined;
  sentState: string | undefined;
  /** The authorization URL the SDK built, and where the authorization endpoint sent the browser. */
  authorizationUrl: URL | undefined;
  landedAt: URL | undefined;
  readonly clientMetadata: OAuthClientMetadata;
  readonly clientMetadataUrl?: string;

  constructor(clientMetadata: OAuthClientMetadata, clientMetadataUrl?: string) {
    this.clientMetadata = clientMetadata;
    if (clientMetadataUrl !== undefined) this.clientMetadataUrl = clientMetadataUrl;
  }

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  state(): string {
    this.sentState = randomBytes(12).toString('base64url');
    return this.sentState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.information;
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.information = information;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrl = authorizationUrl;
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    assert.equal(response.status, 302, await response.clone().text());
    this.landedAt = new URL(response.headers.get('location') as string);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    assert.ok(this.verifier, 'the SDK saved a code verifier first');
    return this.verifier;
  }
}

export const CLIENT_METADATA = {
  client_name: 'MCP SDK test client',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};

/**
 * The SDK's two auth() calls around the browser step, from the MCP endpoint's 401: to the
 * redirect, then with the code. Resolves to the tokens the SDK saved.
 */
export async function authorizeThrough(
  resource: string,
  provider: MemoryProvider,
  expectedScope: string,
): Promise<OAuthTokens> {
  const challenged = await fetch(resource, { method: 'POST' });
  assert.equal(challenged.status, 401);
  await challenged.body?.cancel();
  const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(challenged);
  assert.ok(resourceMetadataUrl, 'the challenge names the protected resource metadata');
  assert.equal(resourceMetadataUrl.href, protectedResourceMetadataUrl(resource));
  assert.equal(scope, expectedScope);

  const serverUrl = resource;
  assert.equal(await auth(provider, { serverUrl, resourceMetadataUrl }), 'REDIRECT');
  const landed = provider.landedAt;
  assert.ok(landed, 'the authorization endpoint redirected');
  assert.equal(`${landed.origin}${landed.pathname}`, REDIRECT_URI);
  assert.equal(landed.searchParams.get('state'), provider.sentState);
  assert.equal(landed.searchParams.get('error'), null, landed.href);
  const code = landed.searchParams.get('code');
  assert.ok(code, 'a code came back');
  assert.equal(
    await auth(provider, { serverUrl, resourceMetadataUrl, authorizationCode: code }),
    'AUTHORIZED',
  );

  const tokens = provider.saved;
  assert.ok(tokens, 'the SDK saved tokens');
  assert.equal(tokens.token_type, 'Bearer');
  assert.equal(tokens.scope, expectedScope);
  return tokens;
}

/** The SDK's Client calls the tool through a transport that holds `provider`'s tokens. */
export async function callTool(resource: string, provider: MemoryProvider): Promise<string> {
  const client = new Client({ name: 'registrar-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
  try {
    const result = await client.callTool({ name: 'whoami' });
    const [content] = result.content as { type: string; text: string }[];
    return content?.text ?? '';
  } finally {
    await client.close();
  }
}
