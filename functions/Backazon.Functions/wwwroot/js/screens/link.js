import { api } from '../api.js';
import { h, show, errorBox } from '../dom.js';
import { when } from '../format.js';

// Link a computer: the person types the code `backazon enroll` shows, sees which computer asks
// (name, system, when) and approves or denies it.
export async function linkScreen(code) {
  const input = h('input', { id: 'code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', value: code ?? '' });
  const form = h('form', { class: 'inline', onsubmit: event => {
    event.preventDefault();
    location.hash = `#/link?${new URLSearchParams({ code: input.value.trim() })}`;
  } }, h('label', { for: 'code' }, 'Code shown on the computer', input), h('button', { type: 'submit' }, 'Look up'));
  if (!code) {
    show(h('h1', {}, 'Link a computer'), form);
    return;
  }

  let link;
  try {
    link = await api(`me/device-links/${encodeURIComponent(code)}`);
  } catch (error) {
    show(h('h1', {}, 'Link a computer'), form, errorBox(error.message));
    return;
  }

  const answer = h('div', { 'aria-live': 'polite' });
  const decide = verb => async () => {
    try {
      await api(`me/device-links/${encodeURIComponent(code)}/${verb}`, { method: 'POST' });
      answer.replaceChildren(h('p', { role: 'status' }, verb === 'approve'
        ? `${link.deviceName} is linked to your account: it starts backing up now.`
        : `${link.deviceName} was refused.`));
      buttons.remove();
    } catch (error) {
      answer.replaceChildren(errorBox(error.message));
    }
  };
  const buttons = h('p', {},
    h('button', { type: 'button', onclick: decide('approve') }, 'Approve'), ' ',
    h('button', { type: 'button', onclick: decide('deny') }, 'Deny'));
  show(
    h('h1', {}, 'Link a computer'),
    h('p', {}, 'Approve only a computer you are setting up yourself.'),
    h('dl', {},
      h('dt', {}, 'Computer'), h('dd', {}, link.deviceName),
      h('dt', {}, 'System'), h('dd', {}, link.os ?? 'not said'),
      h('dt', {}, 'Asked'), h('dd', {}, when(link.requestedAt)),
      h('dt', {}, 'Code'), h('dd', {}, link.userCode)),
    buttons,
    answer,
  );
}
