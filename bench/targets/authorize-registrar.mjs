// Authorization request target on `registrar.resolveClient`, as an authorization endpoint calls it
// (docs/client-authentication.md): resolve the client, match the redirect URI, answer with the
// client's name. Usage: node authorize-registrar.mjs STORE [PG_SCHEMA], where STORE is memory:,
// sqlite:PATH or a postgres:// URL and the client is stored at start; or node
// authorize-registrar.mjs document, where the client is a Client ID Metadata Document served over
// HTTPS from this process (a certificate made with openssl at start), fetched once and then
// answered from Registrar's cache. GET /client-id names the client the load should ask for.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '../../dist/adapters/node.js';
import { ClientResolutionError, createRegistrar } from '../../dist/index.js';
import { answerJson as answer, openBenchStore } from './shared.mjs';

const [spec, schema] = process.argv.slice(2);
const REDIRECT_URI = 'https://app.example/callback';
const metadata = {
  client_name: 'Bench app',
  redirect_uris: [REDIRECT_URI],
  token_endpoint_auth_method: 'none',
};

/** A self-signed certificate for 127.0.0.1, made for this run. */
function certificate() {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=registrar bench',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let clientId = 'bench-app';
let config;
let documents;
// A document's client lives in the cache: its store, the memory one, stays empty.
const store = await openBenchStore(spec === 'document' ? 'memory:' : spec, schema);
if (spec === 'document') {
  const tls = certificate();
  documents = createHttpsServer(tls, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
    res.end(JSON.stringify({ client_id: clientId, ...metadata }));
  });
  await new Promise((resolve) => documents.listen(0, '127.0.0.1', resolve));
  clientId = `https://127.0.0.1:${documents.address().port}/client.json`;
  config = {
    clientIdMetadataDocuments: { enabled: true, cacheMinSeconds: 3600, cacheMaxSeconds: 3600 },
    fetch: { allowLoopback: true, ca: tls.cert },
  };
} else {
  const digest = (value) => `sha256:${createHash('sha256').update(value).digest('base64url')}`;
  await store.registerClient({
    client_id: clientId,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    client_secret_expires_at: 0,
    registration_access_token_hash: digest(randomBytes(32).toString('base64url')),
    metadata: {
      ...metadata,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'web',
    },
  });
}

const server = createServer();
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const registrar = createRegistrar({
    issuer: `http://127.0.0.1:${port}`,
    registration: store,
    crypto: nodeCrypto,
    rateLimit: false,
    ...config,
  });
  server.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/client-id') return answer(res, 200, { client_id: clientId });
    try {
      const client = await registrar.resolveClient(url.searchParams.get('client_id') ?? '');
      if (!registrar.matchRedirectUri(client.metadata, url.searchParams.get('redirect_uri') ?? ''))
        return answer(res, 400, { error: 'invalid_request' });
      answer(res, 200, { client_name: client.metadata.client_name });
    } catch (error) {
      if (!(error instanceof ClientResolutionError)) throw error;
      answer(res, 400, { error: 'invalid_client', reason: error.code });
    }
  });
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () =>
  server.close(async () => {
    documents?.close();
    await store.close?.();
    process.exit(0);
  }),
);
