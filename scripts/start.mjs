// `npm start`: `registrar serve` and, beside it on the same store, the demo authorization server of
// examples/authorization-server.ts, whose /authorize, /token and /jwks.json serve's discovery names.
// REGISTRAR_PORT (4000), REGISTRAR_STORE (sqlite:./registrar.db) and REGISTRAR_ISSUER are serve's as
// always; REGISTRAR_DEMO_PORT (4001) is the demo's port. With a memory: store, which a second
// process cannot share, or with the endpoints already named, serve runs alone.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env };
const store = env.REGISTRAR_STORE ?? 'sqlite:./registrar.db';
const shared = store.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(store);
const named = ['AUTHORIZATION_ENDPOINT', 'TOKEN_ENDPOINT', 'JWKS_URI'].some(
  (name) => env[`REGISTRAR_${name}`] !== undefined,
);
const children = [];

function run(args, childEnv) {
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: 'inherit' });
  children.push(child);
  child.once('exit', (code, signal) => {
    for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
    process.exitCode = code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1);
  });
  return child;
}

/** Resolves once serve answers /readyz, so the demo opens a store serve has already set up. */
async function ready(url) {
  for (;;) {
    if (children.some((child) => child.exitCode !== null)) return false;
    try {
      if ((await fetch(`${url}/readyz`)).ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });
}

const port = env.REGISTRAR_PORT ?? '4000';
const issuer = env.REGISTRAR_ISSUER ?? `http://127.0.0.1:${port}`;
if (!shared || named) {
  run(['dist/cli/main.js', 'serve'], env);
} else {
  const demoPort = env.REGISTRAR_DEMO_PORT ?? '4001';
  const demo = `http://127.0.0.1:${demoPort}`;
  run(['dist/cli/main.js', 'serve'], {
    ...env,
    REGISTRAR_AUTHORIZATION_ENDPOINT: `${demo}/authorize`,
    REGISTRAR_TOKEN_ENDPOINT: `${demo}/token`,
    REGISTRAR_JWKS_URI: `${demo}/jwks.json`,
  });
  if (await ready(`http://127.0.0.1:${port}`)) {
    run(['--import', 'tsx', 'examples/authorization-server.ts'], {
      ...env,
      PORT: demoPort,
      ISSUER: issuer,
      REGISTRAR_STORE: store,
    });
  }
}
