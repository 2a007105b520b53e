import { api } from '../api.js';
import { h, show, errorBox } from '../dom.js';
import { when } from '../format.js';

// Link a computer: the person types the code `backazon enroll` shows, sees which computer asks
// (name, system, when) and approves or denies it. A new computer may take over one of the
// account's computers (a dead disk's): it carries on that computer's history, which stops.
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

  let link, account;
  try {
    [link, account] = await Promise.all([api(`me/device-links/${encodeURIComponent(code)}`), api('me/account')]);
  } catch (error) {
    show(h('h1', {}, 'Link a computer'), form, errorBox(error.message));
    return;
  }

  const answer = h('div', { 'aria-live': 'polite' });
  const decide = verb => async () => {
    try {
      const taken = takesOver.value ? takesOver.selectedOptions[0].textContent : null;
      await api(`me/device-links/${encodeURIComponent(code)}/${verb}`,
        verb === 'approve' ? { method: 'POST', body: { replaces: takesOver.value || null } } : { method: 'POST' });
      answer.replaceChildren(h('p', { role: 'status' }, verb === 'deny'
        ? `${link.deviceName} was refused.`
        : taken ? `${link.deviceName} takes over ${taken}: it carries on its backups and history; ${taken} can no longer back up.`
          : `${link.deviceName} is linked to your account: it starts backing up now.`));
      buttons.remove();
    } catch (error) {
      answer.replaceChildren(errorBox(error.message));
    }
  };
  // The computer's own wish (enroll --replaces NAME) is chosen already; a computer asking for
  // nothing may still be told to take over one, and one asking may be told which.
  const devices = account.devices.filter(d => !d.revoked);
  const wished = devices.find(d => d.name === link.replaces);
  const takesOver = h('select', { id: 'replaces', name: 'replaces' },
    wished ? null : h('option', { value: '' }, 'Nothing: it is a new computer'),
    devices.map(d => h('option', { value: d.id, selected: d === wished }, d.name)));
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
    devices.length > 0 ? h('p', {}, h('label', { for: 'replaces' }, 'Takes over', takesOver)) : '',
    buttons,
    answer,
  );
}
