// A demo authorization server in its own process beside `registrar serve`, on the same store: the
// deployment docs/admin-api.md calls "the library on the same database". `registrar serve` registers
// and manages the clients and publishes discovery naming this server's endpoints; this server
// looks the clients up (resolveClient), checks them at its token endpoint (authenticateClient) and
// reports public clients' grants (reportClientUse). Its login approves every request at once as the
// user "demo-user" and its codes and tokens live in memory: a real server asks the user.
// `npm start` runs both (scripts/start.mjs).
// Run: REGISTRAR_STORE=sqlite:./registrar.db ISSUER=http://127.0.0.1:4000 PORT=4001 npx tsx examples/authorization-server.ts
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  type ClientMetadata,
  createRegistrar,
  errorHeaders,
  type Registrar,
  RegistrationError,
  type RegistrationStore,
} from 'registrar';
import { nodeCrypto } from 'registrar/node';

const CODE_SECONDS = 60;
const ACCESS_TOKEN_SECONDS = 3600;
const MAX_FORM_BYTES = 16 * 1024;
/** The ID token algorithms `registrar serve` advertises by default, each with its own key. */
const ID_TOKEN_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

interface Grant {
  readonly clientId: string;
  readonly scope: string;
  readonly nonce: string | undefined;
}

interface PendingCode extends Grant {
  readonly redirectUri: string;
  readonly challenge: string;
  readonly expiresAt: number;
}

type SigningKey = { readonly alg: string; readonly kid: string; readonly key: CryptoKey; readonly jwk: JWK };

const opaque = () => randomBytes(24).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify(body));
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Reads a form body of at most MAX_FORM_BYTES; `undefined` when it is larger. */
async function readForm(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function signingKeys(): Promise<SigningKey[]> {
  return Promise.all(
    ID_TOKEN_ALGS.map(async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
      const kid = `demo-${alg.toLowerCase()}`;
      return { alg, kid, key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    }),
  );
}

/** What the demo server is made of. */
export interface DemoAuthorizationServerOptions {
  /** The issuer `registrar serve` publishes (its own origin). */
  readonly issuer: string;
  /** This server's origin, where its /authorize, /token and /jwks.json are. */
  readonly origin: string;
  /** The store `registrar serve` uses. */
  readonly registration: RegistrationStore<unknown>;
}

/** The demo server: its request listener and the Registrar it looks clients up with. */
export interface DemoAuthorizationServer {
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly registrar: Registrar<unknown>;
}

/** Builds the demo authorization server's endpoints on `registrar`'s store. */
export async function createDemoAuthorizationServer(
  options: DemoAuthorizationServerOptions,
): Promise<DemoAuthorizationServer> {
  const registrar = createRegistrar({
    issuer: options.issuer,
    registration: options.registration,
    crypto: nodeCrypto,
    // A private_key_jwt assertion may name this token endpoint as its audience (RFC 7523 §3).
    tokenEndpoint: `${options.origin}/token`,
  });
  const keys = await signingKeys();
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, Grant>();

  async function issue(grant: Grant, metadata: ClientMetadata, withRefresh: boolean): Promise<object> {
    const response: Record<string, unknown> = {
      access_token: opaque(),
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      ...(grant.scope !== '' && { scope: grant.scope }),
    };
    if (withRefresh && metadata.grant_types?.includes('refresh_token')) {
      const refreshToken = opaque();
      refreshTokens.set(refreshToken, grant);
      response.refresh_token = refreshToken;
    }
    if (grant.scope.split(' ').includes('openid')) {
      const alg = metadata.id_token_signed_response_alg ?? 'RS256';
      const key = keys.find((candidate) => candidate.alg === alg) ?? (keys[0] as SigningKey);
      response.id_token = await new SignJWT({ ...(grant.nonce !== undefined && { nonce: grant.nonce }) })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .setIssuer(options.issuer)
        .setSubject('demo-user')
        .setAudience(grant.clientId)
        .setIssuedAt()
        .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
        .sign(key.key);
    }
    return response;
  }

  async function authorize(url: URL, res: ServerResponse): Promise<void> {
    const param = (name: string) => url.searchParams.get(name) ?? undefined;
    const clientId = param('client_id');
    const redirectUri = param('redirect_uri');
    if (clientId === undefined || redirectUri === undefined) {
      json(res, 400, {
        error: 'invalid_request',
        error_description: 'client_id and redirect_uri are required.',
      });
      return;
    }
    let metadata: ClientMetadata;
    try {
      ({ metadata } = await registrar.resolveClient(clientId));
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      json(res, 400, { error: 'invalid_request', error_description: 'The client is not known here.' });
      return;
    }
    // Until the redirect URI is known to be the client's, errors go to the browser, not to it.
    if (!registrar.matchRedirectUri(metadata, redirectUri)) {
      json(res, 400, { error: 'invalid_request', error_description: 'redirect_uri is not registered.' });
      return;
    }
    const target = new URL(redirectUri);
    const state = param('state');
    if (state !== undefined) target.searchParams.set('state', state);
    target.searchParams.set('iss', options.issuer);
    const fail = (error: string, description: string) => {
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      res.writeHead(302, { location: target.href }).end();
    };
    if (param('response_type') !== 'code') return fail('unsupported_response_type', 'Only code is served.');
    const challenge = param('code_challenge');
    if (challenge === undefined || param('code_challenge_method') !== 'S256')
      return fail('invalid_request', 'PKCE with S256 is required.');
    const code = opaque();
    codes.set(code, {
      clientId,
      redirectUri,
      challenge,
      scope: param('scope') ?? '',
      nonce: param('nonce'),
      expiresAt: nowSeconds() + CODE_SECONDS,
    });
    target.searchParams.set('code', code);
    res.writeHead(302, { location: target.href }).end();
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readForm(req);
    if (body === undefined) {
      json(res, 413, { error: 'invalid_request', error_description: 'The request body is too large.' });
      return;
    }
    let client: Awaited<ReturnType<typeof registrar.authenticateClient>>;
    try {
      client = await registrar.authenticateClient({ headers: req.headers, body });
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      json(
        res,
        error.status,
        { error: error.code, error_description: error.description },
        errorHeaders(error),
      );
      return;
    }
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type');
    const refuse = (error: string, description: string) =>
      json(res, 400, { error, error_description: description });
    if (grantType === null || !client.metadata.grant_types?.includes(grantType))
      return refuse('unauthorized_client', 'The client is not registered for this grant_type.');
    let grant: Grant;
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (
        pending === undefined ||
        pending.expiresAt < nowSeconds() ||
        pending.clientId !== client.clientId ||
        pending.redirectUri !== form.get('redirect_uri') ||
        !sameString(createHash('sha256').update(verifier).digest('base64url'), pending.challenge)
      )
        return refuse('invalid_grant', 'The code, its redirect_uri or its code_verifier does not match.');
      grant = pending;
    } else if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const found = refreshTokens.get(refreshToken);
      refreshTokens.delete(refreshToken);
      if (found === undefined || found.clientId !== client.clientId)
        return refuse('invalid_grant', 'The refresh token is not valid.');
      grant = found;
    } else if (grantType === 'client_credentials') {
      // RFC 6749 §4.4: confidential clients only.
      if (client.publicClient) return refuse('unauthorized_client', 'A public client cannot use this grant.');
      grant = { clientId: client.clientId, scope: form.get('scope') ?? '', nonce: undefined };
    } else {
      return refuse('unsupported_grant_type', `grant_type ${grantType} is not served here.`);
    }
    // A public client proved nothing at authenticateClient: its grant is its proof of use.
    if (client.publicClient && client.source === 'registration')
      await registrar.reportClientUse(client.clientId);
    json(res, 200, await issue(grant, client.metadata, grantType !== 'client_credentials'));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', options.origin);
    const route = `${req.method} ${url.pathname}`;
    const answer =
      route === 'GET /authorize'
        ? authorize(url, res)
        : route === 'POST /token'
          ? token(req, res)
          : route === 'GET /jwks.json'
            ? Promise.resolve(
                json(res, 200, { keys: keys.map((key) => key.jwk) }, { 'cache-control': 'max-age=300' }),
              )
            : Promise.resolve(json(res, 404, { error: 'not_found' }));
    answer.catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
    });
  };
  return { listener, registrar };
}

/** Opens the store named like `registrar serve`'s `--store` (sqlite: or postgres:, in `REGISTRAR_PG_SCHEMA`). */
async function openStore(spec: string): Promise<RegistrationStore<unknown>> {
  if (spec.startsWith('sqlite:')) {
    const { createSqliteStore } = await import('registrar/store/sqlite');
    return createSqliteStore({ filename: spec.slice('sqlite:'.length) });
  }
  if (spec.startsWith('postgres://') || spec.startsWith('postgresql://')) {
    const { createPostgresStore } = await import('registrar/store/postgres');
    return createPostgresStore({
      connectionString: spec,
      schema: process.env.REGISTRAR_PG_SCHEMA ?? 'public',
    });
  }
  throw new Error(
    `REGISTRAR_STORE must be a sqlite: or postgres:// store shared with registrar serve, not ${spec}`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 4001);
  const demo = await createDemoAuthorizationServer({
    issuer: process.env.ISSUER ?? 'http://127.0.0.1:4000',
    origin: `http://127.0.0.1:${port}`,
    registration: await openStore(process.env.REGISTRAR_STORE ?? 'sqlite:./registrar.db'),
  });
  const server: Server = createServer(demo.listener);
  server.listen(port, '127.0.0.1', () => console.log(`demo authorization server: http://127.0.0.1:${port}`));
  process.once('SIGTERM', () => server.close());
}
