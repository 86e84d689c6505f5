// Registrar as Express 5 middleware, beside the host's own routes and body parser.
// Run: npx tsx examples/express.ts   (PORT and ISSUER override the defaults)
import express from 'express';
import { createRegistrar } from 'registrar';
import { toExpressMiddleware } from 'registrar/express';
import { nodeCrypto } from 'registrar/node';
import { createMemoryStore } from 'registrar/store/memory';

const port = Number(process.env.PORT ?? 3000);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;

const registrar = createRegistrar({
  issuer,
  registrationEnabled: true,
  // The memory store forgets everything on exit: use createSqliteStore or your own store for real clients.
  registration: createMemoryStore(),
  crypto: nodeCrypto,
});

const app = express();
// Mounted before any body parser, Registrar checks the exact bytes; after one, it still works.
app.use(toExpressMiddleware(registrar));
app.use(express.json());
app.get('/', (_req, res) => {
  res.type('text').send('the rest of the authorization server\n');
});

app.listen(port, '127.0.0.1', () => {
  console.log(`registration endpoint: ${registrar.settings.registrationEndpoint}`);
});
