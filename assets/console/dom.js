// Building the page. Everything a client or an operator chose (names, ids, URLs, metadata) enters
// the document as text nodes or attribute values set through the DOM, never as markup: no
// innerHTML anywhere, so a client named `<script>` is shown as those characters. The
// Content-Security-Policy refuses inline scripts and Trusted Types refuse every HTML sink besides.

/**
 * A new element. `props` sets attributes (from the console's own code: names and fixed values),
 * `on…` members add listeners; `children` are nodes or strings, strings becoming text nodes.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return node;
}

/** A Unix time in seconds as `2026-05-01 12:00:00 UTC`, or a dash when there is none. */
export function when(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** A date input's `YYYY-MM-DD` as Unix seconds at the start of that day (UTC), or undefined. */
export function dayStart(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const millis = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(millis) ? undefined : millis / 1000;
}

/** Any metadata value as text: strings as they are, everything else as indented JSON. */
export function asText(value) {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** A `<dl>` of label/value pairs; values are strings or nodes. */
export function facts(pairs) {
  return el(
    'dl',
    { class: 'facts' },
    ...pairs.flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)]),
  );
}

/**
 * A button that asks before it acts: the first click shows `question` with a confirming button
 * labelled `confirmLabel` and Cancel; the confirming click runs `action`.
 */
export function confirmingButton({ label, question, confirmLabel, danger = false, action }) {
  const wrapper = el('span', { class: 'confirming' });
  const start = el(
    'button',
    {
      type: 'button',
      class: danger ? 'danger' : undefined,
      onclick: () => {
        const confirm = el(
          'button',
          { type: 'button', class: danger ? 'danger-solid' : 'primary', onclick: () => action() },
          confirmLabel,
        );
        const cancel = el(
          'button',
          { type: 'button', onclick: () => wrapper.replaceChildren(start) },
          'Cancel',
        );
        wrapper.replaceChildren(el('span', { class: 'question' }, question), confirm, cancel);
        confirm.focus();
      },
    },
    label,
  );
  wrapper.append(start);
  return wrapper;
}

/**
 * A panel showing a secret that is shown this once: the value, the advice to copy it now,
 * and a Done button that removes it from the page.
 */
export function shownOnce(title, value, note) {
  const panel = el(
    'section',
    { class: 'once', 'aria-label': title },
    el('h3', {}, title),
    el('p', {}, 'Copy it now: it is not shown again. ', note ?? ''),
    el('code', { class: 'secret' }, value),
    el('p', {}, el('button', { type: 'button', onclick: () => panel.remove() }, 'Done')),
  );
  return panel;
}
