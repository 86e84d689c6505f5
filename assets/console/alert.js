// The alert line every view reports its failures and outcomes on, moving between views with a
// message, and what a refused admin token does.
import { ApiError, forgetToken } from './api.js';

const alertLine = document.getElementById('alert');
let refused = () => {};
let pending;

/** Shows `message` on the alert line, or clears it. */
export function report(message) {
  alertLine.textContent = message ?? '';
  alertLine.hidden = !message;
}

/** Goes to the view `hash` names, with `message` on its alert line. */
export function navigate(hash, message) {
  pending = message;
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** The message `navigate` left for the next view, once. */
export function takeMessage() {
  const message = pending;
  pending = undefined;
  return message;
}

/** Sets what happens when the API refuses the saved token (the entry point shows the sign-in). */
export function onRefusedToken(handler) {
  refused = handler;
}

/** What every view does with a failed call: a refused token ends the session, anything else is reported. */
export function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    forgetToken();
    refused('The admin token was refused; sign in again.');
    return;
  }
  report(error instanceof Error ? error.message : String(error));
}
