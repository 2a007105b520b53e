import { api, devicePath } from '../api.js';
import { h, show } from '../dom.js';
import { bytes, when, nameOf, parentOf } from '../format.js';
import { downloadFile } from '../download.js';
import { browseHref } from './browse.js';

// A file's versions, newest first, each downloadable as it was.
export async function versionsScreen(deviceId, path) {
  const versions = await api(devicePath(deviceId, `/versions?${new URLSearchParams({ path })}`));
  const name = nameOf(path);
  show(
    h('h1', {}, `Versions of ${name}`),
    h('p', {}, h('a', { href: browseHref(deviceId, parentOf(path)) }, 'Back to the folder')),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Backed up'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Modified'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', {}, versions.map(v => h('tr', {},
        h('th', { scope: 'row' }, when(v.versionAt)),
        h('td', { class: 'size' }, v.deletedAt ? `Deleted ${when(v.deletedAt)}` : bytes(v.size)),
        h('td', {}, when(v.modifiedAt)),
        h('td', {}, v.deletedAt || v.kind !== 'file' ? '' :
          h('button', { type: 'button', 'aria-label': `Download the version of ${when(v.versionAt)}`, onclick: () => downloadFile(deviceId, path, v.versionAt) }, 'Download'))))))),
  );
}
