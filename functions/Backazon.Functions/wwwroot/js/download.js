import { createSHA256 } from '../vendor/hash-wasm.js';
import { api, devicePath } from './api.js';
import { h } from './dom.js';
import { bytes, nameOf } from './format.js';

// Content from this size up is identified by its chunk list (BackupLimits.ChunkedMinBytes), which
// this page cannot compute yet: such a file is not offered unchecked.
const chunkedFrom = 16 * 1024 * 1024;

// Downloads one file as it was at a moment: asks for its signed link, streams it from storage,
// hashes every byte on the way (SHA-256, streaming) and saves it under its own name only when size
// and hash are the catalog's. A mismatch stops with a message; nothing is saved.
export async function downloadFile(deviceId, path, at) {
  const name = nameOf(path);
  const line = h('p', { role: 'status' }, `Downloading ${name}…`);
  const area = document.getElementById('downloads');
  area.prepend(line);
  try {
    const manifest = await api(devicePath(deviceId, '/restores'), { method: 'POST', body: { paths: [path], at: at ?? null } });
    const item = manifest.items.find(i => i.path === path && i.downloadUrl);
    if (!item) throw new Error(`${name} has no content to download as of then.`);
    if (item.size >= chunkedFrom) throw new Error(`${name} is ${bytes(item.size)}: files from 16 MiB cannot be checked in the browser yet. Restore it with backazon restore.`);

    const response = await fetch(item.downloadUrl);
    if (!response.ok) throw new Error(`Storage answered ${response.status} for ${name}: try again.`);
    const hasher = await createSHA256();
    hasher.init();
    const parts = [];
    let received = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hasher.update(value);
      parts.push(value);
      received += value.length;
      line.textContent = `Downloading ${name}: ${bytes(received)} of ${bytes(item.size)}`;
    }
    if (received !== item.size || hasher.digest('hex') !== item.hash) {
      throw new Error(`${name} was not saved: its bytes do not match the backup's check (the stored copy is damaged). Nothing was written.`);
    }

    const url = URL.createObjectURL(new Blob(parts));
    const link = h('a', { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the file once the click is handled; free the memory after that.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    line.textContent = `${name} downloaded and checked (${bytes(received)}).`;
  } catch (error) {
    line.remove();
    area.prepend(h('p', { class: 'error', role: 'alert' }, error.message));
  }
}
