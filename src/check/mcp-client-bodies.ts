/**
 * The registration requests (RFC 7591 §3.1) that widely used MCP clients
 * send, as data the checker ships. Each body is copied from the project's
 * interop record of that client (test/fixtures/mcp-clients), which names the
 * public source it was read from; the source is repeated here. Only the
 * clients whose recorded request names its redirect URIs are here: a body
 * without them (mcp-remote, Cline, Codex, LibreChat compute theirs at run
 * time) would test the checker's guess, not the client.
 *
 * @module
 */

/** One client's registration request. */
export interface McpClientBody {
  /** Short name used in case ids: `client.<key>`. */
  readonly key: string;
  readonly client: string;
  readonly source: string;
  /** The body as the client sends it, before `client_name` is set to the run's name. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** The clients the mcp profile registers. */
export const MCP_CLIENT_BODIES: readonly McpClientBody[] = [
  {
    key: 'vscode',
    client: 'VS Code (GitHub Copilot MCP)',
    source: 'microsoft/vscode src/vs/base/common/oauth.ts@05f882b02c51633f2e1e8252722f8c3b626d74a9',
    body: {
      client_uri: 'https://code.visualstudio.com',
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'],
      redirect_uris: [
        'https://insiders.vscode.dev/redirect',
        'https://vscode.dev/redirect',
        'http://127.0.0.1/',
        'http://127.0.0.1:33418/',
      ],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    },
  },
  {
    key: 'cursor',
    client: 'Cursor',
    source: 'https://github.com/erp-mafia/accounted/pull/2225 (redirect_uris only)',
    body: {
      redirect_uris: [
        'cursor://anysphere.cursor-mcp/oauth/callback',
        'https://www.cursor.com/agents/mcp/oauth/callback',
        'http://localhost:8787/callback',
      ],
    },
  },
  {
    key: 'claude-ai',
    client: 'claude.ai / Claude Desktop (hosted connector)',
    source:
      'https://github.com/anthropics/claude-ai-mcp/issues/1043 (token_endpoint_auth_method); redirect_uris from anthropics/claude-code#30511',
    body: {
      redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  },
  {
    key: 'claude-code',
    client: 'Claude Code',
    source: 'https://github.com/elmohq/elmo/pull/684 (application_type and redirect URI only)',
    body: {
      application_type: 'native',
      redirect_uris: ['http://localhost:3118/callback'],
    },
  },
  {
    key: 'gemini-cli',
    client: 'Gemini CLI',
    source:
      'google-gemini/gemini-cli packages/core/src/mcp/oauth-provider.ts@0467592364ba09be2aa9391e4d9fe27a913f3fa3',
    body: {
      client_name: 'Gemini CLI MCP Client',
      redirect_uris: ['http://localhost:7777/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: '',
    },
  },
  {
    key: 'mcp-inspector',
    client: 'MCP Inspector',
    source: 'modelcontextprotocol/inspector client/src/lib/auth.ts@006abfb83ae6d2a8f1361a039f41d54429966a88',
    body: {
      redirect_uris: ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'MCP Inspector',
      client_uri: 'https://github.com/modelcontextprotocol/inspector',
      scope: '',
    },
  },
  {
    key: 'mcp-typescript-sdk-example',
    client: 'MCP TypeScript SDK (simpleOAuthClient example)',
    source:
      'modelcontextprotocol/typescript-sdk src/examples/client/simpleOAuthClient.ts@031be8f5cf5f853e8925415db793f76d2fa11b17',
    body: {
      client_name: 'Simple OAuth MCP Client',
      redirect_uris: ['http://localhost:8090/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:tools',
    },
  },
];
