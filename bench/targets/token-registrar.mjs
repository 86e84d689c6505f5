// Token target (b): a token endpoint built on `registrar.authenticateClient` as
// docs/client-authentication.md shows it, on the memory, SQLite or PostgreSQL store, with the
// grant type checked against the client's metadata, and an opaque access token minted.
// Usage: node token-registrar.mjs STORE [PG_SCHEMA], where STORE is memory:, sqlite:PATH or a
// postgres:// URL. Env: BENCH_CLIENT_ID and BENCH_CLIENT_SECRET name the one client, which the
// target stores at start as `registerClient` receives a confidential client_credentials client.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { nodeCrypto } from '../../dist/adapters/node.js';
import { createRegistrar, errorHeaders, RegistrationError } from '../../dist/index.js';
import { answerJson, openBenchStore } from './shared.mjs';

const [spec, schema] = process.argv.slice(2);
const store = await openBenchStore(spec, schema);
const digest = (value) => `sha256:${createHash('sha256').update(value).digest('base64url')}`;
await store.registerClient({
  client_id: process.env.BENCH_CLIENT_ID,
  client_id_issued_at: Math.floor(Date.now() / 1000),
  client_secret_hash: digest(process.env.BENCH_CLIENT_SECRET),
  client_secret_expires_at: 0,
  registration_access_token_hash: digest(randomBytes(32).toString('base64url')),
  metadata: {
    client_name: 'Bench service',
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    application_type: 'web',
  },
});

const server = createServer();
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const registrar = createRegistrar({
    issuer: `http://127.0.0.1:${port}`,
    registration: store,
    crypto: nodeCrypto,
    rateLimit: false,
  });
  server.on('request', (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let status = 200;
      let headers = {};
      let answer;
      try {
        const { metadata } = await registrar.authenticateClient({ headers: req.headers, body });
        const grantType = new URLSearchParams(body).get('grant_type');
        if (grantType === null || !metadata.grant_types?.includes(grantType)) {
          status = 400;
          answer = { error: 'unauthorized_client' };
        } else {
          answer = {
            access_token: randomBytes(32).toString('base64url'),
            token_type: 'Bearer',
            expires_in: 3600,
          };
        }
      } catch (error) {
        if (!(error instanceof RegistrationError)) throw error;
        status = error.status;
        headers = errorHeaders(error);
        answer = { error: error.code, error_description: error.description };
      }
      answerJson(res, status, answer, { ...headers, 'cache-control': 'no-store' });
    });
  });
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () =>
  server.close(async () => {
    await store.close?.();
    process.exit(0);
  }),
);
