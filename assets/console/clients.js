// The client list (search and paging over GET /admin/v1/clients) and the page of one client
// (its metadata and events, and the actions: rotate the secret, approve, reject, revoke).
import { failed, navigate, report } from './alert.js';
import { call, clientPath } from './api.js';
import { asText, confirmingButton, dayStart, el, facts, shownOnce, when } from './dom.js';

/** The text filters of the list, by their query member and label. */
const TEXT_FILTERS = [
  ['name', 'Name contains'],
  ['software_id', 'Software ID'],
  ['owner', 'Owner'],
];

/** The date filters of the list, by their query member and label; the API takes Unix seconds. */
const DATE_FILTERS = [
  ['created_after', 'Created from'],
  ['created_before', 'Created before'],
  ['used_after', 'Last used from'],
  ['used_before', 'Last used before'],
];

const STATUSES = ['active', 'pending', 'expired'];
const PAGE_SIZES = ['10', '20', '50', '100'];
const DEFAULT_PAGE_SIZE = '20';

/** The link to a client's page: its id encoded, since ids may be URLs. */
function clientHref(clientId) {
  return `#/clients/${encodeURIComponent(clientId)}`;
}

function statusBadge(status) {
  return el(
    'span',
    { class: `status status-${STATUSES.includes(status) ? status : 'other'}` },
    String(status),
  );
}

/** The search form, filled from `params`; submitting it puts the filters in the location. */
function searchForm(params) {
  const field = (name, label, input) =>
    el('div', { class: 'field' }, el('label', { for: `filter-${name}` }, label), input);
  const textInputs = TEXT_FILTERS.map(([name, label]) =>
    field(
      name,
      label,
      el('input', { id: `filter-${name}`, name, type: 'search', value: params.get(name) ?? undefined }),
    ),
  );
  const status = el(
    'select',
    { id: 'filter-status', name: 'status' },
    el('option', { value: '' }, 'any'),
    ...STATUSES.map((value) => el('option', { value, selected: params.get('status') === value }, value)),
  );
  const dates = DATE_FILTERS.map(([name, label]) =>
    field(
      name,
      `${label} (UTC)`,
      el('input', { id: `filter-${name}`, name, type: 'date', value: params.get(name) ?? undefined }),
    ),
  );
  const limit = el(
    'select',
    { id: 'filter-limit', name: 'limit' },
    ...PAGE_SIZES.map((value) =>
      el('option', { value, selected: (params.get('limit') ?? DEFAULT_PAGE_SIZE) === value }, value),
    ),
  );
  const form = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Search clients' },
    ...textInputs,
    field('status', 'Status', status),
    ...dates,
    field('limit', 'Per page', limit),
    el(
      'div',
      { class: 'field buttons' },
      el('button', { type: 'submit', class: 'primary' }, 'Search'),
      el('a', { href: '#/clients', class: 'button' }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (
        typeof value === 'string' &&
        value.trim() !== '' &&
        !(name === 'limit' && value === DEFAULT_PAGE_SIZE)
      ) {
        chosen.set(name, value.trim());
      }
    }
    navigate(`#/clients${chosen.size > 0 ? `?${chosen}` : ''}`);
  });
  return form;
}

/** The query of GET /admin/v1/clients for the filters in `params`, at `cursor`. */
function listQuery(params, cursor) {
  const query = new URLSearchParams({ limit: params.get('limit') ?? DEFAULT_PAGE_SIZE });
  for (const [name] of TEXT_FILTERS) if (params.get(name)) query.set(name, params.get(name));
  if (STATUSES.includes(params.get('status'))) query.set('status', params.get('status'));
  for (const [name] of DATE_FILTERS) {
    const seconds = dayStart(params.get(name) ?? '');
    if (seconds !== undefined) query.set(name, String(seconds));
  }
  if (cursor) query.set('cursor', cursor);
  return query;
}

function clientRow(client) {
  const name =
    typeof client.client_name === 'string' && client.client_name !== '' ? client.client_name : null;
  return el(
    'tr',
    { 'data-client-id': client.client_id },
    el(
      'td',
      { class: 'name' },
      el('a', { href: clientHref(client.client_id) }, name ?? el('span', { class: 'muted' }, '(no name)')),
    ),
    el('td', {}, el('code', {}, client.client_id)),
    el('td', {}, statusBadge(client.status)),
    el('td', {}, when(client.client_id_issued_at)),
    el('td', {}, when(client.last_used_at)),
    el('td', {}, when(client.expires_at)),
  );
}

/** Renders the client list into `main` for the filters in `params`. */
export function clientList(main, params) {
  document.title = 'Clients · Registrar console';
  // The cursors of the pages seen so far with these filters: the first page has none.
  const cursors = [null];
  const body = el('tbody');
  const pageLabel = el('span', { class: 'page' });
  const previous = el('button', { type: 'button', disabled: true }, 'Previous page');
  const next = el('button', { type: 'button', disabled: true }, 'Next page');
  let nextCursor = null;

  async function load() {
    previous.disabled = true;
    next.disabled = true;
    main.setAttribute('aria-busy', 'true');
    try {
      const page = await call('GET', `/clients?${listQuery(params, cursors.at(-1))}`);
      const clients = Array.isArray(page?.clients) ? page.clients : [];
      body.replaceChildren(
        ...(clients.length > 0
          ? clients.map(clientRow)
          : [el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'No client matches.'))]),
      );
      nextCursor = typeof page?.next_cursor === 'string' ? page.next_cursor : null;
      pageLabel.textContent = `Page ${cursors.length}`;
      previous.disabled = cursors.length === 1;
      next.disabled = nextCursor === null;
    } catch (error) {
      failed(error);
    } finally {
      main.removeAttribute('aria-busy');
    }
  }
  previous.addEventListener('click', () => {
    cursors.pop();
    load();
  });
  next.addEventListener('click', () => {
    cursors.push(nextCursor);
    load();
  });

  main.replaceChildren(
    el('h1', {}, 'Clients'),
    searchForm(params),
    el(
      'table',
      { class: 'clients' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Name', 'Client ID', 'Status', 'Created', 'Last used', 'Expires'].map((label) =>
            el('th', { scope: 'col' }, label),
          ),
        ),
      ),
      body,
    ),
    el('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, pageLabel, next),
  );
  load();
}

function eventsSection(events) {
  const section = el(
    'section',
    { 'aria-labelledby': 'events-title' },
    el('h2', { id: 'events-title' }, 'Events'),
  );
  if (events.error) {
    section.append(el('p', { class: 'muted' }, `The events could not be read: ${events.error.message}`));
    return section;
  }
  if (!events.kept) {
    section.append(
      el(
        'p',
        { class: 'muted' },
        'This server process keeps no events for this client (they are kept in memory).',
      ),
    );
    return section;
  }
  const list = Array.isArray(events.events) ? events.events : [];
  if (list.length === 0) {
    section.append(el('p', { class: 'muted' }, 'No event since this server process started.'));
    return section;
  }
  section.append(
    el(
      'table',
      { class: 'events' },
      el(
        'thead',
        {},
        el('tr', {}, ...['Time', 'Event', 'Details'].map((label) => el('th', { scope: 'col' }, label))),
      ),
      el(
        'tbody',
        {},
        ...list.map(({ time, type, ...details }) =>
          el(
            'tr',
            {},
            el('td', {}, when(time)),
            el('td', {}, String(type ?? '')),
            el('td', {}, Object.keys(details).length > 0 ? el('pre', {}, asText(details)) : ''),
          ),
        ),
      ),
    ),
  );
  return section;
}

function metadataSection(metadata) {
  const entries = Object.entries(metadata ?? {});
  return el(
    'section',
    { 'aria-labelledby': 'metadata-title' },
    el('h2', { id: 'metadata-title' }, 'Registered metadata'),
    entries.length === 0
      ? el('p', { class: 'muted' }, 'None.')
      : el(
          'table',
          { class: 'metadata' },
          el(
            'tbody',
            {},
            ...entries.map(([name, value]) =>
              el(
                'tr',
                {},
                el('th', { scope: 'row' }, el('code', {}, name)),
                el('td', {}, el('pre', {}, asText(value))),
              ),
            ),
          ),
        ),
  );
}

/** The actions a client allows, each calling the API and then `done` (or reporting the failure). */
function actions(client, { reload, shown }) {
  const id = client.client_id;
  const act = (run) => async () => {
    try {
      await run();
    } catch (error) {
      failed(error);
    }
  };
  const buttons = [];
  if (client.token_endpoint_auth_method !== 'none') {
    buttons.push(
      confirmingButton({
        label: 'Rotate secret',
        question: 'The current secret stops working at once.',
        confirmLabel: 'Rotate now',
        action: act(async () => {
          const rotated = await call('POST', clientPath(id, '/secret'));
          await reload();
          shown(
            shownOnce(
              'New client secret',
              String(rotated.client_secret),
              rotated.client_secret_expires_at
                ? `It expires ${when(rotated.client_secret_expires_at)}.`
                : 'It does not expire.',
            ),
          );
        }),
      }),
    );
  }
  if (client.status === 'pending' || client.pending_approval === true) {
    buttons.push(
      el(
        'button',
        {
          type: 'button',
          class: 'primary',
          onclick: act(async () => {
            await call('POST', clientPath(id, '/approve'));
            await reload();
            report('Approved.');
          }),
        },
        'Approve',
      ),
      confirmingButton({
        label: 'Reject',
        question: 'Rejecting deletes the client.',
        confirmLabel: 'Reject and delete',
        danger: true,
        action: act(async () => {
          await call('POST', clientPath(id, '/reject'));
          navigate('#/clients', 'Rejected: the client was deleted.');
        }),
      }),
    );
  }
  buttons.push(
    confirmingButton({
      label: 'Revoke',
      question: 'Revoking deletes the client and its credentials stop working.',
      confirmLabel: 'Revoke and delete',
      danger: true,
      action: act(async () => {
        await call('DELETE', clientPath(id));
        navigate('#/clients', 'Revoked: the client was deleted.');
      }),
    }),
  );
  return el('div', { class: 'actions' }, ...buttons);
}

/** Renders the page of the client `clientId` into `main`. */
export function clientPage(main, clientId) {
  const onceSlot = el('div');
  const content = el('div');
  main.replaceChildren(el('p', {}, el('a', { href: '#/clients' }, '← All clients')), onceSlot, content);

  async function reload() {
    let client;
    let events;
    try {
      [client, events] = await Promise.all([
        call('GET', clientPath(clientId)),
        call('GET', clientPath(clientId, '/events')).catch((error) => ({ error })),
      ]);
    } catch (error) {
      content.replaceChildren(el('h1', {}, 'Client'), el('p', {}, el('code', {}, clientId)));
      failed(error);
      return;
    }
    const name =
      typeof client.client_name === 'string' && client.client_name !== '' ? client.client_name : null;
    document.title = `${name ?? client.client_id} · Registrar console`;
    content.replaceChildren(
      el('h1', { class: 'name' }, name ?? client.client_id),
      facts([
        ['Client ID', el('code', {}, client.client_id)],
        ['Status', statusBadge(client.status)],
        ['Software ID', client.software_id ?? '—'],
        ['Owner', client.owner ?? '—'],
        ['Authentication', client.token_endpoint_auth_method ?? '—'],
        ['Created', when(client.client_id_issued_at)],
        ['Activated', when(client.activated_at)],
        ['Last used', when(client.last_used_at)],
        ['Expires', when(client.expires_at)],
      ]),
      actions(client, { reload, shown: (panel) => onceSlot.replaceChildren(panel) }),
      metadataSection(client.metadata),
      eventsSection(events),
    );
  }
  reload();
}
