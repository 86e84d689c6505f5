// Registrar as Hono 4 middleware on Node.js, beside the host's own routes.
// Run: npx tsx examples/hono.ts   (PORT and ISSUER override the defaults)
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { createRegistrar } from 'registrar';
import { toHonoMiddleware } from 'registrar/hono';
import { createMemoryStore } from 'registrar/store/memory';

const port = Number(process.env.PORT ?? 3000);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;

const registrar = createRegistrar({
  issuer,
  registrationEnabled: true,
  // The memory store forgets everything on exit: use createSqliteStore or your own store for real clients.
  registration: createMemoryStore(),
});

const app = new Hono();
// getConnInfo gives Registrar the socket peer, which trustedProxies and rate limits need.
app.use(toHonoMiddleware(registrar, { getConnInfo }));
app.get('/', (c) => c.text('the rest of the authorization server\n'));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
  console.log(`registration endpoint: ${registrar.settings.registrationEndpoint}`);
});
