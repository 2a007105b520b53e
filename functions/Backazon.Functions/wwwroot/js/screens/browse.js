import { api, devicePath } from '../api.js';
import { h, show, announce } from '../dom.js';
import { bytes, when, localInputValue, nameOf } from '../format.js';
import { downloadFile } from '../download.js';
import { downloadZip, saveIntoFolder, canSaveIntoFolder } from '../selection-download.js';

export const browseHref = (deviceId, path, at) => {
  const query = new URLSearchParams({ path });
  if (at) query.set('at', at);
  return `#/computer/${encodeURIComponent(deviceId)}?${query}`;
};

// One folder of a computer as of a moment (now unless picked), deleted files with when they
// went, a filter by name within the folder, and a download for each file.
export async function browseScreen(deviceId, path, at) {
  // The first page of the folder is asked for with the list of computers, and shown at once; a
  // folder of many thousands shows the rest a page at a time, when asked.
  const listing = new Listing(deviceId, path, at);
  const [devices, first] = await Promise.all([api('me/devices'), listing.next().catch(error => error)]);
  const device = devices.find(d => d.id === deviceId);
  if (!device) {
    show(h('h1', {}, 'Computer not found'), h('p', { role: 'alert' }, 'This account has no such computer.'), h('p', {}, h('a', { href: '#/' }, 'Back to your account')));
    return;
  }
  if (first instanceof Error) throw first;

  const moment = h('input', { type: 'datetime-local', step: 1, id: 'at', name: 'at', value: localInputValue(at ? new Date(at) : new Date()) });
  const filter = h('input', { type: 'search', id: 'filter', name: 'filter', autocomplete: 'off' });
  const rows = [];
  const body = h('tbody');
  const selection = selectionTools(deviceId, device.name, path, at, rows);
  const applyFilter = () => {
    const wanted = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const r of rows) { r.hidden = wanted !== '' && !r.dataset.name.toLowerCase().includes(wanted); shown += r.hidden ? 0 : 1; }
    return shown;
  };
  filter.addEventListener('input', () => announce(`${applyFilter()} of ${rows.length} shown`));
  const add = items => {
    const added = items.filter(i => i.path !== path).map(item => row(deviceId, item, at));
    rows.push(...added);
    body.append(...added);
    added.forEach(selection.watch);
    applyFilter();
  };
  add(first);
  const more = h('button', { type: 'button', hidden: !listing.hasMore, onclick: async () => {
    more.disabled = true;
    try {
      add(await listing.next());
      announce(`${rows.length} entries shown${listing.hasMore ? ', more to come' : ''}.`);
    } finally {
      more.disabled = false;
      more.hidden = !listing.hasMore;
    }
  } }, 'Show more');

  show(
    h('h1', {}, path ? `${nameOf(path)} on ${device.name}` : `Files of ${device.name}`),
    crumbs(deviceId, device.name, path, at),
    h('form', { class: 'inline', onsubmit: event => {
      event.preventDefault();
      const picked = moment.value ? new Date(moment.value).toISOString() : null;
      location.hash = browseHref(deviceId, path, picked);
    } },
      h('label', { for: 'at' }, 'As of', moment),
      h('button', { type: 'submit' }, 'Show'),
      h('label', { for: 'filter' }, 'Find in this folder', filter)),
    h('p', { id: 'status', role: 'status' }, at ? `As of ${when(at)}.` : 'As of now.'),
    rows.length === 0 && !listing.hasMore ? h('p', {}, 'Nothing was backed up here by then.') : selection.toolbar,
    rows.length === 0 && !listing.hasMore ? null :
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {},
          h('td', {}, selection.all),
          h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Modified'),
          h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Actions'))),
        body)),
    h('p', {}, more),
  );
}

// A folder's listing as of a moment, a page at a time (a page may come back empty and still have
// more: the server stops after its share of reading; then the next one is asked for at once).
// The first page is a screenful, so a folder of a hundred thousand files shows as fast as a small
// one; "Show more" asks for full pages.
const firstPageItems = 200;

class Listing {
  constructor(deviceId, path, at) { Object.assign(this, { deviceId, path, at, continuation: null, started: false }); }

  get hasMore() { return !this.started || this.continuation !== null; }

  async next() {
    const items = [];
    do {
      const query = new URLSearchParams({ path: this.path, deleted: 'true' });
      if (this.at) query.set('at', this.at);
      if (this.continuation) query.set('continuation', this.continuation);
      if (!this.started) query.set('limit', firstPageItems);
      const page = await api(devicePath(this.deviceId, `/catalog?${query}`));
      this.started = true;
      items.push(...page.items);
      this.continuation = page.continuation;
    } while (items.length === 0 && this.continuation);
    return items;
  }
}

function row(deviceId, item, at) {
  const name = nameOf(item.path);
  const folder = item.kind === 'folder';
  const state = item.deletedAt ? `Deleted ${when(item.deletedAt)}` : '';
  const pick = item.deletedAt || (item.kind !== 'file' && !folder) ? '' : h('input', { type: 'checkbox', class: 'pick', 'aria-label': `Select ${name}` });
  const tr = h('tr', { class: item.deletedAt ? 'deleted' : null },
    h('td', {}, pick),
    h('th', { scope: 'row' }, folder ? h('a', { href: browseHref(deviceId, item.path, at) }, `${name}/`) : name),
    h('td', { class: 'size' }, folder ? '' : bytes(item.size)),
    h('td', {}, folder ? '' : when(item.modifiedAt)),
    h('td', {}, state),
    h('td', {}, folder || item.kind !== 'file' ? '' : [
      h('button', { type: 'button', 'aria-label': `Download ${name}`, onclick: () => downloadFile(deviceId, item.path, item.deletedAt ? beforeDeletion(item) : at) }, 'Download'),
      ' ',
      h('a', { href: `#/versions/${encodeURIComponent(deviceId)}?${new URLSearchParams({ path: item.path })}`, 'aria-label': `Versions of ${name}` }, 'Versions'),
    ]));
  tr.dataset.name = name;
  tr.dataset.path = item.path;
  return tr;
}

// Ticks on files and folders, a box that ticks every shown row, and what to do with the selection:
// one ZIP assembled in the browser, or (where the browser allows it) files written into a folder.
function selectionTools(deviceId, deviceName, path, at, rows) {
  const picked = () => rows.filter(r => !r.hidden && r.querySelector('.pick')?.checked).map(r => r.dataset.path);
  const count = h('span', { 'aria-live': 'polite' }, 'Nothing selected.');
  const zip = h('button', { type: 'button', disabled: true, onclick: () => downloadZip(deviceId, path, picked(), at, `${nameOf(path) || deviceName}.zip`) }, 'Download selected as ZIP');
  const folder = canSaveIntoFolder()
    ? h('button', { type: 'button', disabled: true, onclick: () => saveIntoFolder(deviceId, path, picked(), at) }, 'Save selected into a folder…')
    : null;
  const update = () => {
    const n = picked().length;
    count.textContent = n === 0 ? 'Nothing selected.' : `${n} selected.`;
    for (const button of [zip, folder]) if (button) button.disabled = n === 0;
  };
  const all = h('input', { type: 'checkbox', 'aria-label': 'Select all shown', onchange: () => {
    for (const r of rows) { const box = r.querySelector('.pick'); if (box && !r.hidden) box.checked = all.checked; }
    update();
  } });
  const watch = r => r.querySelector('.pick')?.addEventListener('change', update);
  const toolbar = h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Selection' }, count, ' ', zip, ' ', folder);
  return { toolbar, all, watch };
}

// A deleted file downloads as its last version, the moment that version was cataloged.
const beforeDeletion = item => item.versionAt;

function crumbs(deviceId, deviceName, path, at) {
  const parts = path.split('/').filter(Boolean);
  const links = [h('li', {}, h('a', { href: browseHref(deviceId, '', at) }, deviceName))];
  parts.forEach((part, i) => {
    const to = (path.startsWith('/') ? '/' : '') + parts.slice(0, i + 1).join('/');
    links.push(h('li', {}, i === parts.length - 1 ? h('span', { 'aria-current': 'page' }, part) : h('a', { href: browseHref(deviceId, to, at) }, part)));
  });
  return h('nav', { 'aria-label': 'Folder' }, h('ol', { class: 'crumbs' }, links));
}
