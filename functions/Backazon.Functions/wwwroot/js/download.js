import { api, devicePath } from './api.js';
import { h } from './dom.js';
import { bytes, nameOf } from './format.js';
import { checkedContent } from './transfer.js';

// Downloads one file as it was at a moment: asks for its signed link, streams it from storage,
// checks every byte on the way (SHA-256, or the chunk-list identity of a big file; a broken
// connection resumes) and saves it under its own name only when it matches the catalog. A
// mismatch stops with a message; nothing is saved.
export async function downloadFile(deviceId, path, at) {
  const name = nameOf(path);
  const line = h('p', { role: 'status' }, `Downloading ${name}…`);
  const area = document.getElementById('downloads');
  area.prepend(line);
  try {
    const manifest = await api(devicePath(deviceId, '/restores'), { method: 'POST', body: { paths: [path], at: at ?? null } });
    const item = manifest.items.find(i => i.path === path && i.kind === 'file');
    if (!item) throw new Error(`${name} has no content to download as of then.`);
    let received = 0;
    const relink = async () => (await api(devicePath(deviceId, '/restores'), { method: 'POST', body: { paths: [path], at: at ?? null } }))
      .items.find(i => i.path === path)?.downloadUrl;
    const content = await checkedContent(item, { relink, onBytes: n => { received += n; line.textContent = `Downloading ${name}: ${bytes(received)} of ${bytes(item.size)}`; } });

    const url = URL.createObjectURL(new Blob([content]));
    const link = h('a', { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the file once the click is handled; free the memory after that.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    line.textContent = `${name} downloaded and checked (${bytes(item.size)}).`;
  } catch (error) {
    line.remove();
    area.prepend(h('p', { class: 'error', role: 'alert' }, error.message.endsWith('(the stored copy is damaged).') ? `${error.message} Nothing was written.` : error.message));
  }
}
