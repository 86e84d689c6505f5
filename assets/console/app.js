// The console's entry point: the sign-in and the routes (the part of the URL after `#`).
import { navigate, onRefusedToken, report, takeMessage } from './alert.js';
import { ApiError, call, forgetToken, savedToken, saveToken } from './api.js';
import { clientList, clientPage } from './clients.js';
import { el } from './dom.js';
import { tokensPage } from './tokens.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');

function signIn(message) {
  nav.hidden = true;
  report(message);
  document.title = 'Sign in · Registrar console';
  const input = el('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const form = el(
    'form',
    { class: 'card', 'aria-label': 'Sign in' },
    el('h1', {}, 'Sign in'),
    el(
      'p',
      {},
      'Paste an admin token (one made with "registrar admin-token create"). ',
      'It is kept in this tab only and sent with each call to the admin API.',
    ),
    el('label', { for: 'token' }, 'Admin token'),
    input,
    el('p', {}, el('button', { type: 'submit', class: 'primary' }, 'Sign in')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    // What a Bearer header can carry; anything else would make fetch throw before sending.
    if (!/^[\x21-\x7e]+$/.test(token)) {
      report('An admin token is printable ASCII without spaces.');
      input.select();
      return;
    }
    try {
      // Any authenticated call proves the token; the smallest page of the client list is the cheapest.
      await call('GET', '/clients?limit=1', { token });
    } catch (error) {
      report(error instanceof ApiError && error.status === 401 ? 'That token was refused.' : error.message);
      input.select();
      return;
    }
    saveToken(token);
    report();
    navigate(location.hash === '' || location.hash === '#/signin' ? '#/clients' : location.hash);
  });
  main.replaceChildren(form);
  input.focus();
}

/** Renders the view the location's hash names: `#/clients?…`, `#/clients/ID`, `#/tokens`. */
function route() {
  if (!savedToken()) {
    signIn();
    return;
  }
  nav.hidden = false;
  report(takeMessage());
  const hash = location.hash.slice(1) || '/clients';
  const [path, query = ''] = hash.split('?', 2);
  for (const link of nav.querySelectorAll('a')) {
    const current = path.startsWith(link.getAttribute('href').slice(1));
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (path.startsWith('/clients/')) {
    clientPage(main, decodeURIComponent(path.slice('/clients/'.length)));
  } else if (path === '/tokens') {
    tokensPage(main);
  } else {
    clientList(main, new URLSearchParams(query));
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  forgetToken();
  navigate('#/signin');
});
onRefusedToken(signIn);
window.addEventListener('hashchange', route);
route();
