// Private-use redirect schemes (RFC 8252 §7.1, privateUseSchemes): by default any valid scheme but
// the refused ones registers for a native client, as Cursor's and Windsurf's dotless schemes need;
// 'reverse-domain' keeps the strict rule, a list allows only its schemes, and the schemes that run
// code or read local data are refused under every setting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrarConfig } from '../../../../src/core/config/registrar-config.js';
import type { PrivateUseSchemes } from '../../../../src/core/metadata/redirect-uri.js';
import { createRegistrar } from '../../../../src/registrar.js';
import { createMemoryStore } from '../../../../src/store/memory.js';

const ISSUER = 'https://as.example.org';

function registrarWith(privateUseSchemes?: PrivateUseSchemes) {
  const config: RegistrarConfig<unknown> = {
    issuer: ISSUER,
    registrationEnabled: true,
    registration: createMemoryStore(),
    rateLimit: false,
    ...(privateUseSchemes === undefined ? {} : { privateUseSchemes }),
  };
  return createRegistrar(config);
}

async function register(
  registrar: ReturnType<typeof registrarWith>,
  body: Record<string, unknown>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await registrar.fetch(
    new Request(`${ISSUER}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const DOTLESS = [
  'cursor://anysphere.cursor-retrieval/oauth/user-github/callback',
  'windsurf://codeium.windsurf/oauth/callback',
  'myapp:/callback',
];
const REVERSE_DOMAIN = 'com.example.app:/oauth2redirect';
const REFUSED = [
  'javascript:alert(1)//x',
  'data:text/html,x',
  'vbscript:msgbox/x',
  'file:///etc/passwd',
  'blob:https://client.example.org/uuid',
  'about:blank/x',
  'filesystem:https://client.example.org/temporary/x',
  'view-source:https://client.example.org/x',
];

describe('private-use redirect schemes', () => {
  it('registers dotless schemes by default, for a client inferred native, and echoes them exactly', async () => {
    const registrar = registrarWith();
    for (const uri of DOTLESS) {
      const { status, json } = await register(registrar, { redirect_uris: [uri], client_name: 'native' });
      assert.equal(status, 201, `${uri}: ${JSON.stringify(json)}`);
      assert.deepEqual(json.redirect_uris, [uri]);
      assert.equal(json.application_type, 'native', uri);
      const resolved = await registrar.resolveClient(json.client_id as string);
      assert.ok(registrar.matchRedirectUri(resolved.metadata, uri), uri);
      assert.ok(!registrar.matchRedirectUri(resolved.metadata, `${uri}x`), `${uri}x`);
    }
  });

  it('keeps private-use schemes for native clients: a web client is refused', async () => {
    const { status, json } = await register(registrarWith(), {
      redirect_uris: [DOTLESS[0]],
      application_type: 'web',
    });
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_redirect_uri');
    assert.match(json.error_description as string, /redirect_uris/);
  });

  it("refuses dotless schemes under 'reverse-domain' and keeps reverse-domain ones", async () => {
    const registrar = registrarWith('reverse-domain');
    for (const uri of DOTLESS) {
      const { status, json } = await register(registrar, { redirect_uris: [uri] });
      assert.equal(status, 400, uri);
      assert.equal(json.error, 'invalid_redirect_uri');
      assert.match(json.error_description as string, /reverse-domain/);
    }
    assert.equal((await register(registrar, { redirect_uris: [REVERSE_DOMAIN] })).status, 201);
  });

  it('allows only the listed schemes under an allow-list', async () => {
    const registrar = registrarWith(['cursor']);
    assert.equal((await register(registrar, { redirect_uris: [DOTLESS[0]] })).status, 201);
    for (const uri of [DOTLESS[1], REVERSE_DOMAIN]) {
      const { status, json } = await register(registrar, { redirect_uris: [uri] });
      assert.equal(status, 400, uri);
      assert.equal(json.error, 'invalid_redirect_uri');
      assert.match(json.error_description as string, /does not allow/);
    }
  });

  for (const setting of [undefined, 'reverse-domain', ['cursor']] as const) {
    it(`refuses the dangerous schemes under ${JSON.stringify(setting ?? 'the default')}`, async () => {
      const registrar = registrarWith(setting);
      for (const uri of REFUSED) {
        const { status, json } = await register(registrar, {
          redirect_uris: [uri],
          application_type: 'native',
        });
        assert.equal(status, 400, uri);
        assert.equal(json.error, 'invalid_redirect_uri', uri);
      }
    });
  }

  it('applies the same rule to post_logout_redirect_uris', async () => {
    const strict = registrarWith('reverse-domain');
    const body = { redirect_uris: [REVERSE_DOMAIN], post_logout_redirect_uris: [DOTLESS[2]] };
    const refused = await register(strict, body);
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error, 'invalid_client_metadata');
    assert.equal((await register(registrarWith(), body)).status, 201);
  });

  it('refuses a setting that would allow a refused scheme', () => {
    assert.throws(() => registrarWith(['javascript']), {
      name: 'ConfigurationError',
      message: "privateUseSchemes cannot allow the refused scheme 'javascript'.",
    });
    assert.throws(() => registrarWith('strict' as PrivateUseSchemes), { name: 'ConfigurationError' });
  });
});
