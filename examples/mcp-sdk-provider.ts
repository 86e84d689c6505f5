// The host's half of examples/mcp-sdk.ts: the MCP SDK's provider for authorization, codes and
// tokens, without a clients store (Registrar supplies it). Its login approves every request at
// once and everything lives in memory: a real server asks the user and keeps tokens in a database.
import { randomBytes } from 'node:crypto';
import { InvalidGrantError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationParams } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  OAuthClientInformationFull,
  OAuthTokenRevocationRequest,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Response } from 'express';
import type { McpAuthProvider } from 'registrar/mcp-sdk';

interface Grant {
  readonly clientId: string;
  readonly scopes: string[];
  readonly resource: string | undefined;
}

interface PendingCode extends Grant {
  readonly challenge: string;
  readonly redirectUri: string;
}

const ACCESS_TOKEN_SECONDS = 3600;
const token = () => randomBytes(24).toString('base64url');

/** An auto-approving demo login with in-memory codes, access tokens and refresh tokens. */
export class DemoAuthProvider implements McpAuthProvider {
  readonly #codes = new Map<string, PendingCode>();
  readonly #accessTokens = new Map<string, Grant & { readonly expiresAt: number }>();
  readonly #refreshTokens = new Map<string, Grant>();
  /** Every token response this provider produced, for a demo's log. */
  readonly issued: { readonly clientId: string; readonly tokens: OAuthTokens }[] = [];
  readonly #issuer: string;

  /** `issuer` is sent back as `iss` with the code (RFC 9207). */
  constructor(issuer: string) {
    this.#issuer = issuer;
  }

  /** The demo login: approves at once and sends the browser back with a code. */
  async authorize(
    client: OAuthClientInformationFull,
    params: AuthorizationParams,
    res: Response,
  ): Promise<void> {
    const code = token();
    this.#codes.set(code, {
      clientId: client.client_id,
      scopes: params.scopes ?? [],
      resource: params.resource?.href,
      challenge: params.codeChallenge,
      redirectUri: params.redirectUri,
    });
    const target = new URL(params.redirectUri);
    target.searchParams.set('code', code);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    target.searchParams.set('iss', this.#issuer);
    res.redirect(302, target.href);
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    return this.#pending(client, code).challenge;
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _verifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const pending = this.#pending(client, code);
    this.#codes.delete(code);
    if (redirectUri !== undefined && redirectUri !== pending.redirectUri) {
      throw new InvalidGrantError('redirect_uri differs from the authorization request');
    }
    if (resource?.href !== pending.resource) throw new InvalidGrantError('resource differs');
    return this.#issue(pending);
  }

  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
    resource?: URL,
  ): Promise<OAuthTokens> {
    const grant = this.#refreshTokens.get(refreshToken);
    if (grant === undefined || grant.clientId !== client.client_id)
      throw new InvalidGrantError('unknown refresh token');
    if (resource !== undefined && resource.href !== grant.resource)
      throw new InvalidGrantError('resource differs');
    const narrowed = scopes ?? grant.scopes;
    if (!narrowed.every((scope) => grant.scopes.includes(scope)))
      throw new InvalidGrantError('scope widened');
    this.#refreshTokens.delete(refreshToken);
    return this.#issue({ ...grant, scopes: narrowed });
  }

  async verifyAccessToken(accessToken: string): Promise<AuthInfo> {
    const grant = this.#accessTokens.get(accessToken);
    if (grant === undefined || grant.expiresAt <= Date.now() / 1000)
      throw new InvalidTokenError('unknown token');
    return {
      token: accessToken,
      clientId: grant.clientId,
      scopes: grant.scopes,
      expiresAt: grant.expiresAt,
      ...(grant.resource !== undefined && { resource: new URL(grant.resource) }),
    };
  }

  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    for (const tokens of [this.#accessTokens, this.#refreshTokens] as Map<string, Grant>[]) {
      if (tokens.get(request.token)?.clientId === client.client_id) tokens.delete(request.token);
    }
  }

  #pending(client: OAuthClientInformationFull, code: string): PendingCode {
    const pending = this.#codes.get(code);
    if (pending === undefined || pending.clientId !== client.client_id)
      throw new InvalidGrantError('unknown code');
    return pending;
  }

  #issue(grant: Grant): OAuthTokens {
    const accessToken = token();
    const refreshToken = token();
    this.#accessTokens.set(accessToken, {
      ...grant,
      expiresAt: Math.floor(Date.now() / 1000) + ACCESS_TOKEN_SECONDS,
    });
    this.#refreshTokens.set(refreshToken, grant);
    const tokens: OAuthTokens = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_token: refreshToken,
      ...(grant.scopes.length > 0 && { scope: grant.scopes.join(' ') }),
    };
    this.issued.push({ clientId: grant.clientId, tokens });
    return tokens;
  }
}
