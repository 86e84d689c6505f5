// `registrar check` (docs/check.md) over real HTTP on loopback: against `registrar serve` every
// required case passes; against node-oidc-provider's own registration and management, the MCP
// TypeScript SDK's mcpAuthRouter and its bare clientRegistrationHandler it reports exactly the
// findings read against the RFC texts (docs/check.md#findings); the JSON and JUnit reports; the
// run's bounds against a server that never answers or drops connections; 429 and Retry-After.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { clientRegistrationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';
import type { OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import express from 'express';
import { XMLParser } from 'fast-xml-parser';
import Provider from 'oidc-provider';
import { type CheckReport, checkExitCode, checkIssuer } from '../../src/check/check-issuer.js';
import { ENDPOINT_FLAGS, runCommandAsync, type ServeProcess, startServe } from '../helpers/cli.js';
import { type Listening, listenOnLoopback } from '../helpers/listen.js';

const FAST = { requestsPerSecond: 100 };

/** The ids of the cases with `outcome`, sorted. */
function ids(report: CheckReport, outcome: string): string[] {
  return report.results
    .filter((result) => result.outcome === outcome)
    .map((result) => result.id)
    .sort();
}

/** An in-memory client store for the SDK's handlers, so the test sees what was registered. */
function sdkClients(): OAuthRegisteredClientsStore & {
  readonly clients: Map<string, OAuthClientInformationFull>;
} {
  const clients = new Map<string, OAuthClientInformationFull>();
  return {
    clients,
    getClient: async (id) => clients.get(id),
    registerClient: async (client) => {
      const registered = client as OAuthClientInformationFull;
      clients.set(registered.client_id, registered);
      return registered;
    },
  };
}

function unused(): never {
  throw new Error('not used by the check');
}

// The SDK's authorization provider: only its client store is reached by the check.
function sdkProvider(clientsStore: OAuthRegisteredClientsStore): OAuthServerProvider {
  return {
    clientsStore,
    authorize: async () => unused(),
    challengeForAuthorizationCode: async () => unused(),
    exchangeAuthorizationCode: async () => unused(),
    exchangeRefreshToken: async () => unused(),
    verifyAccessToken: async () => unused(),
  };
}

// What the SDK's registration handler does on both mounts (docs/check.md#the-mcp-typescript-sdk).
const SDK_FAILURES = ['reg.jwks-both', 'reg.redirect-fragment'];
const SDK_WARNINGS = [
  'reg.defaults',
  'reg.grant-response-mismatch',
  'reg.malformed-json',
  'reg.redirect-data',
  'reg.redirect-http',
  'reg.redirect-javascript',
  'reg.redirect-relative',
];

describe('registrar check against registrar serve', () => {
  let serve: ServeProcess;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-check-'));
    serve = await startServe(['--store', 'memory:', '--port', '0', ...ENDPOINT_FLAGS]);
  });
  after(async () => {
    await serve.stop();
  });

  it('passes every required case, exits 0, and writes the same report as JSON and as JUnit XML', async () => {
    const junit = join(dir, 'report.xml');
    const run = await runCommandAsync(['check', serve.url, '--json', '--junit', junit, '--rate', '50']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CheckReport;
    assert.equal(report.issuer, serve.url);
    assert.equal(report.passed, true);
    assert.deepEqual(ids(report, 'fail'), []);
    assert.deepEqual(ids(report, 'not-run'), []);
    // Its authorization server's endpoints are at as.example, another host: named, not contacted.
    assert.deepEqual(ids(report, 'not-applicable'), ['discovery.endpoints-answer']);
    // registrar serve answers every registration case; the read repeats no secret (it keeps only hashes).
    assert.deepEqual(ids(report, 'warning'), []);
    assert.deepEqual(report.leftovers, []);
    assert.equal(report.deleted.length, report.results.filter((r) => r.id.startsWith('client.')).length + 5);
    const endpoints = report.results.find((result) => result.id === 'discovery.endpoints-answer');
    assert.match(
      endpoints?.seen ?? '',
      /not contacted \(other host\): authorization_endpoint, token_endpoint, jwks_uri/,
    );
    // Progress: one stderr line per case.
    assert.equal(run.stderr.trim().split('\n').length, report.results.length);

    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      readFileSync(junit, 'utf8'),
    );
    const suite = xml.testsuites.testsuite;
    assert.equal(Number(xml.testsuites.tests), report.results.length);
    assert.equal(Number(xml.testsuites.failures), 0);
    const cases = suite.testcase as {
      name: string;
      classname: string;
      failure?: unknown;
      skipped?: unknown;
    }[];
    assert.deepEqual(
      cases.map((item) => item.name.split(':')[0]),
      report.results.map((result) => result.id),
    );
    assert.ok(cases.every((item) => item.failure === undefined));
    assert.deepEqual(
      cases.filter((item) => item.skipped !== undefined).map((item) => item.name.split(':')[0]),
      ['discovery.endpoints-answer'],
    );
    const property = (name: string) =>
      (suite.properties.property as { name: string; value: string }[]).find((item) => item.name === name)
        ?.value;
    assert.equal(property('issuer'), serve.url);
    assert.equal(property('runId'), report.runId);
  });

  it('prints the table, and fails with exit 1 where a required case fails (the issuer named differs)', async () => {
    const table = await runCommandAsync(['check', serve.url, '--profile', 'rfc7591', '--rate', '50']);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^PASS +MUST +reg\.minimal/m);
    assert.match(table.stdout, /PASSED: no required case failed/);
    const wrong = await runCommandAsync([
      'check',
      `${serve.url}/`,
      '--only',
      'discovery.metadata,discovery.issuer',
    ]);
    assert.equal(wrong.status, 1, wrong.stderr);
    assert.match(wrong.stdout, /^FAIL +MUST +discovery\.issuer/m);
    assert.match(wrong.stdout, /FAILED: 1 required case failed \(discovery\.issuer\)/);
  });

  it('refuses bad usage with exit 2, naming the flag', async () => {
    const profile = await runCommandAsync(['check', serve.url, '--profile', 'nope']);
    assert.equal(profile.status, 2);
    assert.match(profile.stderr, /--profile must be one of rfc7591, rfc7592, oidc, mcp, all, got "nope"/);
    const unknown = await runCommandAsync(['check', serve.url, '--bogus']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^registrar: unknown option '--bogus'$/m);
    const missing = await runCommandAsync(['check']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^registrar: missing required argument 'issuer'$/m);
    const repeated = await runCommandAsync(['check', serve.url, '--rate', 'fast']);
    assert.equal(repeated.status, 2);
    assert.match(repeated.stderr, /--rate must be a positive number, got "fast"/);
    const only = await runCommandAsync(['check', serve.url, '--only', 'reg.nope']);
    assert.equal(only.status, 2);
    assert.match(only.stderr, /only: unknown case id "reg.nope"/);
    const issuer = await runCommandAsync(['check', 'not a url']);
    assert.equal(issuer.status, 2);
    assert.match(issuer.stderr, /issuer must be an absolute URL/);
  });
});

describe('registrar check against node-oidc-provider', () => {
  let http: Listening;
  before(async () => {
    http = await listenOnLoopback();
    const provider = new Provider(http.url, {
      features: {
        registration: { enabled: true },
        registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      },
    });
    http.server.on('request', provider.callback());
  });
  after(() => http.close());

  it('reports exactly the confirmed findings, and deletes every client it made', async () => {
    const report = await checkIssuer(http.url, FAST);
    assert.deepEqual(ids(report, 'fail'), []);
    assert.deepEqual(ids(report, 'warning'), [
      'client.cursor',
      'client.gemini-cli',
      'client.mcp-inspector',
      'client.mcp-typescript-sdk-example',
      'client.vscode',
      'mgmt.read-no-secret',
      'mgmt.read-no-token',
      'reg.redirect-http',
    ]);
    assert.deepEqual(ids(report, 'not-run'), []);
    assert.deepEqual(ids(report, 'not-applicable'), []);
    assert.equal(report.passed, true);
    assert.equal(checkExitCode(report), 0);
    assert.deepEqual(report.leftovers, []);
  });
});

describe('registrar check against the MCP SDK', () => {
  it("mcpAuthRouter: the registration handler's findings, no RFC 7592, and every client listed as left behind", async () => {
    const http = await listenOnLoopback();
    try {
      const store = sdkClients();
      const app = express();
      app.set('env', 'test');
      const issuer = `${http.url}/`;
      app.use(
        mcpAuthRouter({
          provider: sdkProvider(store),
          issuerUrl: new URL(issuer),
          clientRegistrationOptions: { rateLimit: false },
        }),
      );
      http.server.on('request', app);
      const report = await checkIssuer(issuer, { ...FAST, profile: 'mcp' });
      assert.deepEqual(ids(report, 'fail'), SDK_FAILURES);
      assert.deepEqual(ids(report, 'warning'), SDK_WARNINGS);
      assert.deepEqual(
        ids(report, 'not-applicable'),
        report.results
          .filter((r) => r.id.startsWith('mgmt.'))
          .map((r) => r.id)
          .sort(),
      );
      assert.equal(checkExitCode(report), 1);
      // No RFC 7592: every client the run made is still there, named for the run, and listed.
      assert.deepEqual(
        report.leftovers.map((client) => client.clientId).sort(),
        [...store.clients.keys()].sort(),
      );
      for (const client of store.clients.values()) {
        assert.match(client.client_name ?? '', new RegExp(`^registrar-check ${report.runId}( \\(.+\\))?$`));
      }
    } finally {
      await http.close();
    }
  });

  it('the bare clientRegistrationHandler: the same findings, and no metadata at all', async () => {
    const http = await listenOnLoopback();
    try {
      const app = express();
      app.set('env', 'test');
      app.use('/register', clientRegistrationHandler({ clientsStore: sdkClients(), rateLimit: false }));
      http.server.on('request', app);
      const report = await checkIssuer(http.url, {
        ...FAST,
        profile: 'mcp',
        registrationEndpoint: `${http.url}/register`,
      });
      assert.deepEqual(ids(report, 'fail'), ['discovery.metadata', ...SDK_FAILURES].sort());
      assert.deepEqual(ids(report, 'warning'), SDK_WARNINGS);
      assert.equal(report.metadataUrl, undefined);
    } finally {
      await http.close();
    }
  });
});

describe('registrar check keeps to its bounds', () => {
  it('a server that never answers: the run ends at its time bound, the rest reported not run', async () => {
    const http = await listenOnLoopback();
    http.server.on('request', () => {});
    try {
      const started = Date.now();
      const report = await checkIssuer(http.url, {
        timeLimitMs: 1500,
        requestTimeoutMs: 400,
        registrationEndpoint: `${http.url}/register`,
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 2500, `took ${elapsed} ms`);
      const metadata = report.results.find((result) => result.id === 'discovery.metadata');
      assert.equal(metadata?.outcome, 'fail');
      assert.match(metadata?.seen ?? '', /no answer within 0\.4 s/);
      assert.ok(report.results.every((result) => result.outcome !== 'pass'));
      assert.ok(report.results.some((result) => /time bound \(1\.5 s\) was reached/.test(result.seen)));
      assert.equal(checkExitCode(report), 1);
    } finally {
      await http.close();
    }
  });

  it('a server that drops every connection: each case says so, within the bound', async () => {
    const http = await listenOnLoopback();
    http.server.on('request', (request) => request.socket.destroy());
    try {
      const started = Date.now();
      const report = await checkIssuer(http.url, {
        ...FAST,
        timeLimitMs: 3000,
        registrationEndpoint: `${http.url}/register`,
      });
      assert.ok(Date.now() - started < 3500);
      const minimal = report.results.find((result) => result.id === 'reg.minimal');
      assert.equal(minimal?.outcome, 'fail');
      assert.match(minimal?.seen ?? '', /^no answer: /);
      assert.equal(report.leftovers.length, 0);
    } finally {
      await http.close();
    }
  });

  it('keeps to the request bound and the rate', async () => {
    const http = await listenOnLoopback();
    let requests = 0;
    http.server.on('request', (_request, response: ServerResponse) => {
      requests += 1;
      response.writeHead(404).end();
    });
    try {
      const started = Date.now();
      const report = await checkIssuer(http.url, {
        requestsPerSecond: 4,
        maxRequests: 3,
        registrationEndpoint: `${http.url}/register`,
      });
      assert.equal(requests, 3);
      assert.equal(report.requestsSent, 3);
      // Three requests at four a second: the third starts half a second after the first.
      assert.ok(Date.now() - started >= 450);
      assert.ok(report.results.some((result) => /request bound \(3 requests\)/.test(result.seen)));
    } finally {
      await http.close();
    }
  });

  it('waits out a 429 Retry-After within its bound, and reports not run (never fail) beyond it', async () => {
    const http = await listenOnLoopback();
    let limited = 0;
    let retryAfter = '1';
    http.server.on('request', (request, response: ServerResponse) => {
      if (request.url === '/.well-known/oauth-authorization-server' && limited < 1) {
        limited += 1;
        response.writeHead(429, { 'retry-after': retryAfter }).end();
        return;
      }
      response.writeHead(404).end();
    });
    try {
      const started = Date.now();
      const waited = await checkIssuer(http.url, { ...FAST, only: ['discovery.metadata'] });
      assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
      assert.equal(waited.results[0]?.outcome, 'fail');
      assert.match(waited.results[0]?.seen ?? '', /oauth-authorization-server: 404/);

      limited = 0;
      retryAfter = '60';
      const cut = await checkIssuer(http.url, {
        ...FAST,
        timeLimitMs: 2000,
        only: ['discovery.metadata', 'discovery.issuer'],
      });
      assert.deepEqual(ids(cut, 'not-run'), ['discovery.issuer', 'discovery.metadata']);
      assert.match(cut.results[0]?.seen ?? '', /429 with Retry-After 60 s, beyond the time bound/);
      assert.equal(cut.passed, true);
      assert.equal(checkExitCode(cut), 3);
    } finally {
      await http.close();
    }
  });
});
