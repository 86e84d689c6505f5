// Registrar on node:http, in front of the host's own request handler.
// Run: npx tsx examples/node.ts   (PORT and ISSUER override the defaults)
import { createServer } from 'node:http';
import { createRegistrar } from 'registrar';
import { nodeCrypto, toNodeListener } from 'registrar/node';
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

const server = createServer(
  toNodeListener(registrar, (_req, res) => {
    // Every path that is not Registrar's arrives here: the rest of the authorization server.
    res.writeHead(200, { 'content-type': 'text/plain' }).end('the rest of the authorization server\n');
  }),
);

server.listen(port, '127.0.0.1', () => {
  console.log(`registration endpoint: ${registrar.settings.registrationEndpoint}`);
});
