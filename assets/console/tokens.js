// The initial access tokens page: the tokens the store keeps (never their values: only a hash is
// stored), a form that makes one and shows its value this once, and revocation.
import { failed, report } from './alert.js';
import { call } from './api.js';
import { confirmingButton, el, shownOnce, when } from './dom.js';

/** The lifetimes the form offers, in seconds; the empty value makes a token that does not expire. */
const LIFETIMES = [
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '7 days'],
  ['2592000', '30 days'],
  ['', 'does not expire'],
];

function tokenRow(token, reload) {
  return el(
    'tr',
    { 'data-token-id': token.id },
    el('td', {}, token.label ?? el('span', { class: 'muted' }, '(no label)')),
    el('td', {}, el('code', {}, String(token.id))),
    el('td', {}, when(token.created_at)),
    el('td', {}, token.expires_at ? when(token.expires_at) : 'never'),
    el('td', {}, typeof token.uses_left === 'number' ? String(token.uses_left) : 'unlimited'),
    el(
      'td',
      {},
      confirmingButton({
        label: 'Revoke',
        question: 'Registrations with it are refused from now on.',
        confirmLabel: 'Revoke token',
        danger: true,
        action: async () => {
          try {
            await call('DELETE', `/initial-access-tokens/${encodeURIComponent(token.id)}`);
            await reload();
            report('The token was revoked.');
          } catch (error) {
            failed(error);
          }
        },
      }),
    ),
  );
}

function createForm(onCreated) {
  const label = el('input', { id: 'token-label', name: 'label', maxlength: 200 });
  const lifetime = el(
    'select',
    { id: 'token-expires-in', name: 'expires_in' },
    ...LIFETIMES.map(([value, text]) => el('option', { value, selected: value === '86400' }, text)),
  );
  const uses = el('input', { id: 'token-uses', name: 'uses', type: 'number', min: 1, step: 1 });
  const form = el(
    'form',
    { class: 'filters', 'aria-label': 'New initial access token' },
    el('div', { class: 'field' }, el('label', { for: 'token-label' }, 'Label'), label),
    el('div', { class: 'field' }, el('label', { for: 'token-expires-in' }, 'Expires after'), lifetime),
    el('div', { class: 'field' }, el('label', { for: 'token-uses' }, 'Uses (empty: unlimited)'), uses),
    el('div', { class: 'field buttons' }, el('button', { type: 'submit', class: 'primary' }, 'Create token')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    if (label.value.trim() !== '') body.label = label.value.trim();
    if (lifetime.value !== '') body.expires_in = Number(lifetime.value);
    if (uses.value !== '') body.uses = Number(uses.value);
    try {
      const created = await call('POST', '/initial-access-tokens', { body });
      form.reset();
      await onCreated(created);
    } catch (error) {
      failed(error);
    }
  });
  return form;
}

/** Renders the initial access tokens page into `main`. */
export function tokensPage(main) {
  document.title = 'Initial access tokens · Registrar console';
  const onceSlot = el('div');
  const body = el('tbody');

  async function reload() {
    try {
      const answer = await call('GET', '/initial-access-tokens');
      const tokens = Array.isArray(answer?.tokens) ? answer.tokens : [];
      body.replaceChildren(
        ...(tokens.length > 0
          ? tokens.map((token) => tokenRow(token, reload))
          : [el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'No initial access token is kept.'))]),
      );
    } catch (error) {
      failed(error);
    }
  }

  main.replaceChildren(
    el('h1', {}, 'Initial access tokens'),
    el(
      'p',
      {},
      'A client presents one of these to register when registration needs a token (RFC 7591 §3). ',
      'The store keeps only a hash of each, so a token is shown once, when it is made.',
    ),
    el('h2', {}, 'New token'),
    createForm(async (created) => {
      onceSlot.replaceChildren(
        shownOnce(
          'New initial access token',
          String(created.token),
          created.expires_at ? `It expires ${when(created.expires_at)}.` : 'It does not expire.',
        ),
      );
      await reload();
    }),
    onceSlot,
    el('h2', {}, 'Kept tokens'),
    el(
      'table',
      { class: 'tokens' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Label', 'ID', 'Created', 'Expires', 'Uses left', ''].map((text) =>
            el('th', { scope: 'col' }, text),
          ),
        ),
      ),
      body,
    ),
  );
  reload();
}
