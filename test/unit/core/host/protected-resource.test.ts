// RFC 9728 protected resource metadata, its well-known URL and the Bearer challenge that points
// at it, as an MCP server publishes them; and the registrar's whole RFC 8414 discovery document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bearerChallenge,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../../../../src/core/host/protected-resource.js';
import { createRegistrar } from '../../../../src/registrar.js';
import { createMemoryStore } from '../../../../src/store/memory.js';

describe('protected resource metadata (RFC 9728)', () => {
  it('inserts the well-known path between the host and the resource path', () => {
    assert.equal(
      protectedResourceMetadataUrl('https://mcp.example.com/mcp'),
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    );
    assert.equal(
      protectedResourceMetadataUrl('https://mcp.example.com/'),
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    );
    assert.equal(
      protectedResourceMetadataUrl('https://mcp.example.com:8443/a/b/'),
      'https://mcp.example.com:8443/.well-known/oauth-protected-resource/a/b',
    );
  });

  it('builds the document with header-only bearer tokens by default, keeping every member given', () => {
    const document = protectedResourceMetadata({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Example MCP server',
    });
    assert.deepEqual(document, {
      bearer_methods_supported: ['header'],
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Example MCP server',
    });
  });

  it('refuses a resource that is not https, or that has a fragment', () => {
    for (const resource of [
      'http://mcp.example.com/mcp',
      'https://mcp.example.com/mcp#x',
      'mcp',
      'ftp://x/',
    ]) {
      assert.throws(() => protectedResourceMetadata({ resource }), { name: 'ConfigurationError' }, resource);
    }
    assert.equal(
      protectedResourceMetadata({ resource: 'http://127.0.0.1:3000/mcp' }).resource,
      'http://127.0.0.1:3000/mcp',
    );
  });

  it('builds the challenge with resource_metadata first, then scope and error', () => {
    const resourceMetadata = protectedResourceMetadataUrl('https://mcp.example.com/mcp');
    assert.equal(
      bearerChallenge({ resourceMetadata }),
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    assert.equal(
      bearerChallenge({ resourceMetadata, scope: 'mcp:tools', error: 'insufficient_scope' }),
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools", error="insufficient_scope"',
    );
    assert.throws(() => bearerChallenge({ resourceMetadata, errorDescription: 'say "hi"' }), {
      name: 'ConfigurationError',
      message: 'error_description cannot be sent in a WWW-Authenticate challenge.',
    });
  });
});

describe('registrar.discovery()', () => {
  it('is the whole RFC 8414 document: issuer, endpoints, S256 and the members Registrar owns', () => {
    const registrar = createRegistrar({
      issuer: 'https://auth.example.com',
      registrationEnabled: true,
      registration: createMemoryStore(),
      tokenEndpointAuthMethodsSupported: ['none'],
      clientIdMetadataDocuments: { enabled: true },
    });
    const document = registrar.discovery();
    assert.equal(document.issuer, 'https://auth.example.com');
    assert.equal(document.authorization_endpoint, 'https://auth.example.com/authorize');
    assert.equal(document.token_endpoint, 'https://auth.example.com/token');
    assert.equal(document.registration_endpoint, 'https://auth.example.com/oauth/register');
    assert.deepEqual(document.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(document.token_endpoint_auth_methods_supported, ['none']);
    assert.equal(document.client_id_metadata_document_supported, true);
    for (const [member, value] of Object.entries(registrar.metadata())) {
      assert.deepEqual(document[member], value, member);
    }
    const off = createRegistrar({ issuer: 'https://auth.example.com', registration: createMemoryStore() });
    assert.equal(off.discovery().client_id_metadata_document_supported, undefined);
  });
});
