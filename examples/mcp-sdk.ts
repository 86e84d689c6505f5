// An MCP server with one tool behind the MCP SDK's authorization server, with Registrar's
// registration, Client ID Metadata Documents and client authentication (docs/mcp-sdk.md).
// Run: npx tsx examples/mcp-sdk.ts   (PORT overrides the default)
import { pathToFileURL } from 'node:url';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type Express } from 'express';
import {
  createRegistrar,
  type OutboundFetchOptions,
  type Registrar,
  type RegistrationStore,
} from 'registrar';
import { registrarMcpAuth } from 'registrar/mcp-sdk';
import { nodeCrypto } from 'registrar/node';
import { createMemoryStore } from 'registrar/store/memory';
import { DemoAuthProvider } from './mcp-sdk-provider.js';

/** The scope the MCP endpoint asks for. */
export const SCOPE = 'mcp:tools';

/** What the server is built from. */
export interface McpAuthServerOptions {
  readonly issuer: string;
  readonly registration: RegistrationStore<unknown>;
  /** How Registrar fetches metadata documents and `jwks_uri`s (the default refuses private addresses). */
  readonly fetch?: OutboundFetchOptions;
}

/** The built server: the Express app and what it is made of. */
export interface McpAuthServer {
  readonly app: Express;
  readonly registrar: Registrar<unknown>;
  readonly provider: DemoAuthProvider;
  /** The MCP endpoint, `${issuer}/mcp`. */
  readonly resource: string;
}

/** A greeting tool that names the client the access token was issued to. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'registrar-example', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Names the OAuth client calling the tool.' }, (extra) => ({
    content: [{ type: 'text', text: `hello, ${extra.authInfo?.clientId ?? 'nobody'}` }],
  }));
  return server;
}

/** Builds the authorization server and the MCP endpoint on one Express app. */
export function createMcpAuthServer(options: McpAuthServerOptions): McpAuthServer {
  const registrar = createRegistrar({
    issuer: options.issuer,
    registrationEnabled: true,
    registration: options.registration,
    crypto: nodeCrypto,
    // The SDK's token endpoint serves these two grants only.
    grantTypesSupported: ['authorization_code', 'refresh_token'],
    scopesSupported: [SCOPE],
    clientIdMetadataDocuments: { enabled: true },
    ...(options.fetch && { fetch: options.fetch }),
  });
  const resource = `${options.issuer}/mcp`;
  const provider = new DemoAuthProvider(options.issuer);
  const auth = registrarMcpAuth({
    registrar,
    provider,
    resourceServerUrl: new URL(resource),
    resourceName: 'Registrar example MCP server',
  });

  const app = express();
  app.use(auth.router);
  app.post(
    '/mcp',
    requireBearerAuth({
      verifier: auth.provider,
      requiredScopes: [SCOPE],
      resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(resource)),
    }),
    express.json(),
    async (req, res) => {
      // Stateless: one server and transport per request.
      const server = mcpServer();
      const transport = new StreamableHTTPServerTransport({});
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    },
  );
  return { app, registrar, provider, resource };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 3000);
  const issuer = `http://127.0.0.1:${port}`;
  // The memory store forgets everything on exit: use createSqliteStore or your own store for real clients.
  const { app, registrar, resource } = createMcpAuthServer({ issuer, registration: createMemoryStore() });
  app.listen(port, '127.0.0.1', () => {
    console.log(`registration endpoint: ${registrar.settings.registrationEndpoint}`);
    console.log(`MCP endpoint: ${resource}`);
  });
}
