// Registrar as a Fastify 5 plugin, beside the host's own routes.
// Run: npx tsx examples/fastify.ts   (PORT and ISSUER override the defaults)
import Fastify from 'fastify';
import { createRegistrar } from 'registrar';
import { toFastifyPlugin } from 'registrar/fastify';
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

const app = Fastify();
await app.register(toFastifyPlugin(registrar));
app.get('/', async () => 'the rest of the authorization server\n');

await app.listen({ port, host: '127.0.0.1' });
console.log(`registration endpoint: ${registrar.settings.registrationEndpoint}`);
