import { api } from '../api.js';
import { h, show, announce, errorBox } from '../dom.js';
import { bytes, when } from '../format.js';

const day = 24 * 60 * 60 * 1000;

// The account: plan and history, quota used of total, each computer's last complete backup, and
// a plain warning for each computer that has not completed a backup for days.
export async function accountScreen() {
  const [account, builds] = await Promise.all([api('me/account'), api('me/uploader')]);
  const devices = account.devices.filter(d => !d.revoked);
  const warnings = devices.map(warningFor).filter(Boolean);
  show(
    h('h1', {}, account.name),
    ...warnings.map(text => h('p', { class: 'warning', role: 'status' }, text)),
    h('dl', {},
      h('dt', {}, 'Plan'), h('dd', {}, account.plan.displayName),
      h('dt', {}, 'History'), h('dd', {}, `Old versions kept ${days(account.plan.versionHistoryDays)}, deleted files ${days(account.plan.deletedRetentionDays)}`),
      h('dt', { id: 'storage-label' }, 'Storage'),
      h('dd', {},
        `${bytes(account.usedBytes)} used of ${bytes(account.quotaBytes)} `,
        h('progress', { max: account.quotaBytes, value: account.usedBytes, 'aria-labelledby': 'storage-label' })),
      h('dt', {}, 'Signed in as'), h('dd', {}, account.signedInAs ?? account.member.email),
    ),
    h('h2', {}, 'Computers'),
    devices.length === 0
      ? h('p', {}, 'No computer backs up to this account yet.')
      : h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Computer'), h('th', { scope: 'col' }, 'System'), h('th', { scope: 'col' }, 'Last complete backup'), h('th', { scope: 'col' }, 'Actions'))),
          h('tbody', {}, devices.map(d => h('tr', {},
            h('th', { scope: 'row' }, h('a', { href: `#/computer/${encodeURIComponent(d.id)}` }, d.name)),
            h('td', {}, d.os ?? 'Not reported'),
            h('td', {}, when(d.lastCompleteBackupAt)),
            h('td', {}, revokeControl(d))))))),
    ...uploaderSection(builds),
  );
}

// The uploader for this computer's system first, the others after. Builds are what the operator
// published (uploader/publish.sh --upload); a server with none says where they come from.
function uploaderSection(builds) {
  const heading = h('h2', {}, 'Back up another computer');
  if (builds.length === 0) {
    return [heading, h('p', {}, 'This server offers no uploader downloads yet. Ask your provider for the backazon uploader: they build it with uploader/publish.sh and publish it here with uploader/publish.sh --upload.')];
  }
  const mine = builds.find(b => b.runtime === guessRuntime()) ?? null;
  const link = b => h('a', { href: b.downloadUrl, download: b.fileName }, `Download backazon for ${b.system}`);
  return [
    heading,
    mine ? h('p', {}, link(mine), ` (${bytes(mine.size)})`) : null,
    h('details', {}, h('summary', {}, mine ? 'Other systems' : 'Choose your system'),
      h('ul', {}, builds.filter(b => b !== mine).map(b => h('li', {}, link(b), ` (${bytes(b.size)})`)))),
    h('p', {}, 'Then run ', h('code', {}, 'backazon enroll --server ' + location.origin), ' on it and approve the code it shows under Link a computer.'),
  ];
}

// The browser says its system; the processor is a guess (x64 unless it says ARM).
function guessRuntime() {
  const agent = navigator.userAgent;
  const arm = /arm|aarch64/i.test(agent);
  if (/Windows/.test(agent)) return 'win-x64';
  if (/Mac OS X|Macintosh/.test(agent)) return 'osx-arm64';
  if (/Linux/.test(agent) && !/Android/.test(agent)) return arm ? 'linux-arm64' : 'linux-x64';
  return null;
}

// Revoking a lost computer takes two presses: the first asks, the second does it; from then on
// the computer's secret is refused (it can neither back up nor restore).
function revokeControl(device) {
  const cell = h('span');
  const ask = h('button', { type: 'button', 'aria-label': `Revoke ${device.name}`, onclick: () => {
    const confirm = h('button', { type: 'button', onclick: async () => {
      try {
        await api(`me/devices/${encodeURIComponent(device.id)}/revoke`, { method: 'POST' });
        await accountScreen();
        announce(`${device.name} was revoked: it can no longer back up.`);
      } catch (error) {
        cell.replaceChildren(errorBox(error.message));
      }
    } }, `Yes, revoke ${device.name}`);
    cell.replaceChildren(confirm, ' ', h('button', { type: 'button', onclick: () => cell.replaceChildren(ask) }, 'Cancel'));
    confirm.focus();
  } }, 'Revoke');
  cell.append(ask);
  return cell;
}

function warningFor(device) {
  if (!device.lastCompleteBackupAt) return `${device.name} has not completed a backup yet.`;
  const age = Math.floor((Date.now() - new Date(device.lastCompleteBackupAt).getTime()) / day);
  if (device.stale || age >= 2) return `${device.name} has not been backed up for ${age} days.`;
  return null;
}

const days = n => n <= 0 ? 'forever' : `${n} days`;
