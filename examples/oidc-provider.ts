// node-oidc-provider with Registrar's registration on its issuer, and a demo login that approves
// every request at once as the user "demo-user".
// Run: npx tsx examples/oidc-provider.ts   (PORT and ISSUER override the defaults)
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Adapter, AdapterPayload, Provider } from 'oidc-provider';
import type { OutboundFetchOptions } from 'registrar';
import { nodeCrypto } from 'registrar/node';
import { createOidcProviderRegistrar, type OidcProviderRegistrar } from 'registrar/oidc-provider';
import { createMemoryStore } from 'registrar/store/memory';

// The provider's sessions, grants and tokens, kept in memory for the demo: use an adapter for your
// database in production. Clients are not kept here: they live in Registrar's store.
const records = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
const sessionsByUid = new Map<string, string>();

export class DemoAdapter implements Adapter {
  readonly model: string;

  constructor(model: string) {
    this.model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    records.set(`${this.model}:${id}`, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    if (this.model === 'Session' && payload.uid !== undefined) sessionsByUid.set(payload.uid, id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const record = records.get(`${this.model}:${id}`);
    return record !== undefined && record.expiresAt > Date.now() ? record.payload : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = sessionsByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const record = records.get(`${this.model}:${id}`);
    if (record !== undefined) record.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    records.delete(`${this.model}:${id}`);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, record] of records) if (record.payload.grantId === grantId) records.delete(key);
  }
}

/** The demo login: the user is "demo-user" and grants every scope and claim the client asked for. */
async function approve(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { grantId, params, prompt } = await provider.interactionDetails(req, res);
  const accountId = 'demo-user';
  const grant =
    (grantId === undefined ? undefined : await provider.Grant.find(grantId)) ??
    new provider.Grant({ accountId, clientId: String(params.client_id) });
  const missing = prompt.details;
  if (Array.isArray(missing.missingOIDCScope)) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (Array.isArray(missing.missingOIDCClaims)) grant.addOIDCClaims(missing.missingOIDCClaims as string[]);
  await provider.interactionFinished(req, res, {
    login: { accountId },
    consent: { grantId: await grant.save() },
  });
}

/** The demo authorization server: a provider whose registration and clients are Registrar's. */
export function createDemo(options: {
  issuer: string;
  fetch?: OutboundFetchOptions;
}): OidcProviderRegistrar<unknown> & { handler: RequestListener } {
  const demo = createOidcProviderRegistrar({
    registrar: {
      issuer: options.issuer,
      registrationEnabled: true,
      // The memory store forgets everything on exit: use createSqliteStore or your own store for real clients.
      registration: createMemoryStore(),
      crypto: nodeCrypto,
      clientIdMetadataDocuments: { enabled: true },
      scopesSupported: ['openid', 'offline_access'],
      grantTypesSupported: ['authorization_code', 'refresh_token'],
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    },
    provider: {
      adapter: DemoAdapter,
      cookies: { keys: ['demo cookie key: change me'] },
      pkce: { methods: ['S256'], required: () => true },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        Grant: 3600,
        IdToken: 600,
        Interaction: 600,
        Session: 3600,
      },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, accountId) => ({ accountId, claims: () => ({ sub: accountId }) }),
    },
  });
  const handler: RequestListener = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      approve(demo.provider, req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
      });
      return;
    }
    demo.listener(req, res);
  };
  return { ...demo, handler };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3000);
  const demo = createDemo({ issuer: process.env.ISSUER ?? `http://127.0.0.1:${port}` });
  createServer(demo.handler).listen(port, '127.0.0.1', () => {
    console.log(`registration endpoint: ${demo.registrar.settings.registrationEndpoint}`);
    console.log(`discovery: ${demo.provider.issuer}/.well-known/openid-configuration`);
  });
}
