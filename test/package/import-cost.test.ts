// `import 'registrar'` loads no network module: the safe fetcher, with node:dns and node:https,
// is loaded on the first outbound fetch only. Measured in a fresh process, by the modules Node
// reports as loaded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const NETWORK_MODULES = ['NativeModule dns/promises', 'NativeModule https', 'NativeModule tls'];

function loadedAfter(script: string): string[] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as string[];
}

const report = 'console.log(JSON.stringify(process.moduleLoadList));';

describe('import cost', () => {
  it('loads no network module on import and on createRegistrar', () => {
    const loaded = loadedAfter(
      `const { createRegistrar } = await import('./src/index.ts');
       createRegistrar({ issuer: 'https://as.example.org', clientIdMetadataDocuments: { enabled: true } });
       ${report}`,
    );
    for (const name of NETWORK_MODULES) assert.ok(!loaded.includes(name), `${name} was loaded`);
  });

  it('loads the safe fetcher when a fetch is first needed', () => {
    const loaded = loadedAfter(
      `const { createRegistrar } = await import('./src/index.ts');
       const registrar = createRegistrar({
         issuer: 'https://as.example.org',
         clientIdMetadataDocuments: { enabled: true },
         fetch: { timeoutMs: 200, resolve: async () => [] },
       });
       await registrar.resolveClient('https://client.example.org/metadata.json').catch(() => undefined);
       ${report}`,
    );
    for (const name of NETWORK_MODULES) assert.ok(loaded.includes(name), `${name} was not loaded`);
  });
});
