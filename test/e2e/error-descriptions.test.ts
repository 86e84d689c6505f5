// Every error_description stays within RFC 6749 section 5.2's characters (%x20-21 / %x23-5B /
// %x5D-7E): the fixed texts in src (read from the source itself), the descriptions that repeat
// client input (control characters, escape sequences, non-ASCII, quotes and backslashes sent in
// each member that is echoed, over real HTTP), and the errors authenticateClient and resolveClient
// hand to the host's own endpoints.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import ts from 'typescript';
import { descriptionText, MAX_ECHOED_LENGTH, quoted, RegistrationError } from '../../src/core/errors.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';
import { rejectionOf } from '../helpers/rejection.js';

const ALLOWED = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Client input no description may repeat as it is. */
const NASTY = [
  'bell\u0007',
  '\u001b[31mred\u001b[0m',
  '\u001b]0;title\u0007',
  'caf\u00e9',
  '\u202eevil',
  '\u009bcsi',
  'quote"d',
  'back\\slash',
  'new\nline',
  `${'x'.repeat(MAX_ECHOED_LENGTH)}y`,
];

/**
 * Functions and constructors whose arguments become a public description or resolution message,
 * with the position of that argument (`quoted` takes the client value first, then the fallback).
 */
const DESCRIPTION_CALLS = new Map([
  ['invalidRequest', 0],
  ['invalidRedirectUri', 0],
  ['invalidClientMetadata', 0],
  ['invalidSoftwareStatement', 0],
  ['unapprovedSoftwareStatement', 0],
  ['missingToken', 0],
  ['accessDenied', 0],
  ['invalidClientId', 0],
  ['invalidDocument', 0],
  ['fail', 0],
  ['error', 0],
  ['quoted', 1],
  ['RegistrationError', 2],
  ['ClientResolutionError', 1],
]);
/** Declarations whose every string is a description: the public phrases chosen per failure. */
const DESCRIPTION_DECLARATIONS = new Set(['publicReason', 'FAILURE_PHRASES']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every literal text piece under `node`: string literals and the fixed parts of template literals. */
function literalTexts(node: ts.Node, into: string[]): void {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) into.push(node.text);
  else if (ts.isTemplateExpression(node)) {
    into.push(node.head.text);
    for (const span of node.templateSpans) into.push(span.literal.text);
  }
  ts.forEachChild(node, (child) => literalTexts(child, into));
}

function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = node.expression;
  return ts.isIdentifier(callee) ? callee.text : undefined;
}

/** Each description text in src, with where it is. */
function descriptionLiterals(): { text: string; at: string }[] {
  const found: { text: string; at: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const collect = (node: ts.Node, nodes: readonly ts.Node[]) => {
      const texts: string[] = [];
      for (const part of nodes) literalTexts(part, texts);
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      for (const text of texts) found.push({ text, at: `${file.slice(SRC.length + 1)}:${line + 1}` });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        const position = DESCRIPTION_CALLS.get(calleeName(node) ?? '');
        const argument = position === undefined ? undefined : node.arguments?.[position];
        if (argument !== undefined) collect(node, [argument]);
      }
      if (
        (ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) &&
        node.name !== undefined &&
        ts.isIdentifier(node.name) &&
        DESCRIPTION_DECLARATIONS.has(node.name.text)
      ) {
        collect(node, [node]);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('error description texts in src', () => {
  it('keeps every fixed description within the allowed characters', () => {
    const literals = descriptionLiterals();
    assert.ok(literals.length > 150, `found only ${literals.length} description texts`);
    for (const expected of ['The request body is not valid JSON.', 'the request timed out']) {
      assert.ok(
        literals.some(({ text }) => text === expected),
        `the scan reaches "${expected}"`,
      );
    }
    const outside = literals.filter(({ text }) => !ALLOWED.test(text));
    assert.deepEqual(outside, [], 'descriptions with characters RFC 6749 section 5.2 forbids');
  });
});

describe('the description guard', () => {
  it('replaces every character outside the set, whoever wrote the text', () => {
    for (const text of NASTY) {
      const error = new RegistrationError(400, 'invalid_request', `refused: ${text}`);
      assert.match(error.description, ALLOWED, JSON.stringify(text));
      assert.equal(error.message, error.description);
      assert.match(new ClientResolutionError('invalid_client_id', text).message, ALLOWED);
    }
    assert.equal(descriptionText('a "b" \\ \u00e9 \u00a7'), 'a ?b? ? ? ?');
  });

  it('quotes a client value only when it is short and within the set', () => {
    assert.equal(quoted('client_credentials', 'a value'), "'client_credentials'");
    assert.equal(quoted('x'.repeat(MAX_ECHOED_LENGTH), 'a value'), `'${'x'.repeat(MAX_ECHOED_LENGTH)}'`);
    for (const value of [...NASTY, "it's"]) assert.equal(quoted(value, 'a value'), 'a value');
  });
});

describe('error descriptions that concern client input, over HTTP', () => {
  const STATEMENT_ISSUER = 'https://statements.example.org';
  let server: TestServer;
  let signer: TestKeyPair;

  before(async () => {
    signer = await keyPair('ES256');
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      scopesSupported: ['openid', 'profile'],
      softwareStatement: { issuers: { [STATEMENT_ISSUER]: { jwks: { keys: [signer.publicJwk] } } } },
      policies: [
        (metadata) =>
          metadata.client_name === 'policy'
            ? { reject: 'No "policy" clients \u00a7 here\u001b[0m.' }
            : undefined,
      ],
    });
  });
  after(() => server.close());

  const statement = (claims: Record<string, unknown>, iss = STATEMENT_ISSUER) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: signer.kid })
      .setIssuer(iss)
      .setIssuedAt()
      .sign(signer.privateKey);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  /** Documents that put `value` where a description could repeat it, with the member it must name. */
  async function documents(value: string): Promise<[Record<string, unknown>, string][]> {
    const base = { redirect_uris: ['https://client.example.org/cb'] };
    return [
      [{ redirect_uris: [value] }, 'redirect_uris'],
      [{ redirect_uris: [`https://client.example.org/${value}`, `${value}:`] }, 'redirect_uris'],
      [{ ...base, scope: value }, 'scope'],
      [{ ...base, scope: `openid ${value.replace(/\s/g, '_')}` }, 'scope'],
      [{ ...base, grant_types: [value] }, 'grant_types'],
      [{ ...base, response_types: [value] }, 'response_types'],
      [{ ...base, token_endpoint_auth_method: value }, 'token_endpoint_auth_method'],
      [{ ...base, token_endpoint_auth_signing_alg: value }, 'token_endpoint_auth_signing_alg'],
      [{ ...base, id_token_signed_response_alg: value }, 'id_token_signed_response_alg'],
      [{ ...base, subject_type: value }, 'subject_type'],
      [{ ...base, application_type: value }, 'application_type'],
      [{ ...base, [`client_name#${value}`]: 'Name' }, 'client_name'],
      [{ ...base, jwks: { keys: [{ kty: value }] } }, 'jwks'],
      [{ ...base, jwks: { keys: [{ kty: 'EC', [value]: 'x' }] } }, 'jwks'],
      [{ ...base, jwks: value }, 'jwks'],
      [{ ...base, software_statement: value }, 'software_statement'],
      [
        { ...base, software_statement: `${part({ alg: value })}.${part({ iss: STATEMENT_ISSUER })}.sig` },
        'algorithm',
      ],
      [{ ...base, software_statement: await statement({ grant_types: [value] }) }, 'grant_types'],
      [{ ...base, software_statement: await statement({ scope: value }) }, 'scope'],
      [{ ...base, software_statement: await statement({}, `https://${value}`) }, 'issuer'],
    ];
  }

  for (const value of NASTY) {
    it(`never repeats ${JSON.stringify(value)} and still names the member`, async () => {
      for (const [document, member] of await documents(value)) {
        const answer = await register(server.url, document);
        const label = JSON.stringify(document);
        assert.ok(answer.status >= 400 && answer.status < 500, `${label}: ${answer.status}`);
        const description = answer.json.error_description as string;
        assert.match(description, ALLOWED, label);
        assert.ok(description.includes(member), `${label}: "${description}" names ${member}`);
      }
    });
  }

  it('keeps a host policy refusal within the set', async () => {
    const answer = await register(server.url, {
      redirect_uris: ['https://client.example.org/cb'],
      client_name: 'policy',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error_description, 'No ?policy? clients ? here?[0m.');
  });

  it('repeats a short value within the set, quoted', async () => {
    const answer = await register(server.url, {
      redirect_uris: ['https://client.example.org/cb'],
      grant_types: ['urn:example:grant'],
    });
    assert.equal(
      answer.json.error_description,
      "grant_types contains 'urn:example:grant', which this server does not support.",
    );
  });
});

describe('errors handed to the host: authenticateClient and resolveClient', () => {
  let server: TestServer;

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      clientIdMetadataDocuments: { enabled: true },
      // A document URL that passes the identifier rules fails at name resolution, at once.
      fetch: {
        resolve: async () => {
          throw new Error('no name resolution in this suite');
        },
      },
    });
  });
  after(() => server.close());

  const tokenRequest = (body: string, headers: Record<string, string> = {}) =>
    new Request(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });

  const refusal = (promise: Promise<unknown>) => rejectionOf(promise, Error);

  it('authenticateClient refuses odd client ids and credentials with descriptions in the set', async () => {
    for (const value of NASTY) {
      const encoded = encodeURIComponent(value);
      const requests = [
        tokenRequest(`grant_type=client_credentials&client_id=${encoded}`),
        tokenRequest(`grant_type=client_credentials&client_id=${encoded}&client_secret=${encoded}`),
        tokenRequest(`grant_type=client_credentials&client_id=${encoded}&client_id=${encoded}`),
        tokenRequest('grant_type=client_credentials', {
          authorization: `Basic ${Buffer.from(`${encoded}:${encoded}`).toString('base64')}`,
        }),
      ];
      for (const request of requests) {
        const error = await refusal(server.registrar.authenticateClient(request));
        assert.ok(error instanceof RegistrationError, String(error));
        assert.match(error.description, ALLOWED, JSON.stringify(value));
      }
    }
  });

  it('resolveClient refuses odd client ids with messages in the set', async () => {
    for (const value of NASTY) {
      for (const clientId of [value, `https://${value}.example/c`, `https://client.example/${value}`]) {
        const error = await refusal(server.registrar.resolveClient(clientId));
        assert.ok(error instanceof ClientResolutionError, String(error));
        assert.match(error.message, ALLOWED, JSON.stringify(clientId));
      }
    }
  });
});
