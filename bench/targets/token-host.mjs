// The flood benchmark's authorization server: a token endpoint in a process of its own, on the
// store `registrar serve` writes, as docs/operations.md#the-activation-window-under-registrar-serve
// describes. `authenticateClient` with the client's secret is the proven use that activates it.
// Usage: node token-host.mjs ISSUER STORE [PG_SCHEMA], where STORE is sqlite:PATH or a postgres:// URL.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRegistrar, RegistrationError } from '../../dist/index.js';

const [issuer, spec, schema] = process.argv.slice(2);
const store = spec.startsWith('sqlite:')
  ? (await import('../../dist/store/sqlite.js')).createSqliteStore({ filename: spec.slice('sqlite:'.length) })
  : (await import('../../dist/store/postgres.js')).createPostgresStore({ connectionString: spec, schema });
const registrar = createRegistrar({ issuer, registration: store, rateLimit: false });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const headers = req.headers.authorization ? { authorization: req.headers.authorization } : {};
    try {
      await registrar.authenticateClient({ headers, body: Buffer.concat(chunks).toString('utf8') });
      const body = JSON.stringify({
        access_token: randomBytes(32).toString('base64url'),
        token_type: 'Bearer',
      });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
    } catch (error) {
      const status = error instanceof RegistrationError ? error.status : 500;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error instanceof RegistrationError ? error.code : 'server_error' }));
    }
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () =>
  server.close(async () => {
    await store.close();
    process.exit(0);
  }),
);
