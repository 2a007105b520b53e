import { makeZip } from '../vendor/client-zip.js';
import { api, devicePath } from './api.js';
import { h } from './dom.js';
import { bytes, count, nameOf } from './format.js';
import { Progress } from './progress.js';
import { checkedContent, checkedStream, MismatchError } from './transfer.js';
import { chunkedFrom } from './content-check.js';

// Files smaller than this are fetched a few at a time ahead of the ZIP writer and kept whole
// until checked: a bad one is left out and the rest goes on. Bigger ones stream through, the next
// ones already downloading (each up to a bounded buffer) while the ZIP writer takes the current
// one, as `backazon restore` has several files in flight.
const aheadBelow = chunkedFrom;
const aheadFiles = 24;                 // entries taken ahead of the ZIP writer, at most
const smallBuffer = 48 * 1024 * 1024;  // bytes of small files held ahead, at most (one always goes)
const bigAhead = 2;                    // big files started ahead of the one being written, at most
const bigBuffer = 16 * 1024 * 1024;    // bytes each buffers ahead of the ZIP writer, at most

// Where the browser can write into a folder the person picks (the File System Access API).
export const canSaveIntoFolder = () => typeof window.showDirectoryPicker === 'function';

// Downloads a selection (files and folders, as of a moment) as one ZIP assembled here while it
// streams from the signed links, every file checked. Entry names are relative to the folder
// being viewed, sub-folders kept.
export async function downloadZip(deviceId, base, paths, at, zipName) {
  await run(deviceId, base, paths, at, `Downloading ${zipName}`, async (items, job) => {
    const failed = [];
    const { stream, done } = watched(makeZip(zipEntries(items, job, failed, base)));
    const saving = await saveStream(stream, zipName);
    try { await done; } finally { saving.stop(); }
    return failed;
  });
}

// Writes a selection into a folder the person picks, keeping names and sub-folders. A file is
// written to the browser's temporary copy and moved into place only once its check passes (that
// is how the API's writable streams work), so a mismatch leaves no file. The API cannot set a
// file's modification time: files get the time they were written; a ZIP keeps the backed-up ones.
export async function saveIntoFolder(deviceId, base, paths, at) {
  let folder;
  try {
    folder = await window.showDirectoryPicker({ mode: 'readwrite', id: 'backazon-restore' });
  } catch {
    return; // the person closed the picker
  }
  await run(deviceId, base, paths, at, `Saving into ${folder.name}`, async (items, job) => {
    const failed = [];
    for (const item of items) {
      const parts = relative(base, item.path).split('/').filter(Boolean);
      let parent = folder;
      for (const part of item.kind === 'folder' ? parts : parts.slice(0, -1)) parent = await parent.getDirectoryHandle(part, { create: true });
      if (item.kind !== 'file') continue;
      const file = await parent.getFileHandle(parts.at(-1), { create: true });
      const writable = await file.createWritable();
      try {
        await checkedStream(item, job.options).pipeTo(writable);
      } catch (error) {
        await writable.abort().catch(() => {});
        await parent.removeEntry(parts.at(-1)).catch(() => {});
        if (!(error instanceof MismatchError)) throw error;
        failed.push(error.message);
      }
      job.progress.addFile();
    }
    return failed;
  });
}

// Lists the whole selection first (so the progress knows the totals), then runs the transfer.
async function run(deviceId, base, paths, at, title, transfer) {
  const area = document.getElementById('downloads');
  const box = h('div', { class: 'download' }, h('p', { role: 'status' }, `${title}: listing the files…`));
  area.prepend(box);
  try {
    const items = await manifest(deviceId, paths, at);
    const files = items.filter(i => i.kind === 'file');
    const progress = new Progress(title, files.reduce((sum, i) => sum + i.size, 0), files.length);
    box.replaceChildren(progress.element);
    const relink = async item => {
      const fresh = await api(devicePath(deviceId, '/restores'), { method: 'POST', body: { paths: [item.path], at } });
      return fresh.items.find(i => i.path === item.path)?.downloadUrl;
    };
    const job = { progress, options: { relink, onBytes: n => progress.addBytes(n) } };
    const failed = await transfer(items, job);
    progress.finish(failed.length === 0
      ? `${title}: done, ${count(files.length, 'file')} (${bytes(progress.totalBytes)}) checked.`
      : `${title}: done, but ${failed.length.toLocaleString('en')} of ${count(files.length, 'file')} ${failed.length === 1 ? 'was' : 'were'} left out.`);
    if (failed.length) box.append(h('div', { role: 'alert', class: 'error' }, h('p', {}, 'Left out because their bytes do not match the backup:'), h('ul', {}, failed.map(f => h('li', {}, f)))));
  } catch (error) {
    box.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${title} stopped: ${error.message}`));
  }
}

async function manifest(deviceId, paths, at) {
  const items = [];
  let continuation = null;
  do {
    const page = await api(devicePath(deviceId, '/restores'), { method: 'POST', body: { paths, at: at ?? null, continuation } });
    items.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return items;
}

// The ZIP's entries in walk order. Small files are fetched ahead (a few in flight) and checked
// whole before they go in; one that fails is left out and named in a note at the end of the ZIP.
// A big file streams; if it fails its check the ZIP stops with the reason (and the big files
// started ahead stop too).
async function* zipEntries(items, job, failed, base) {
  const ahead = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < aheadFiles && next < items.length) {
      const item = items[next];
      const big = item.kind === 'file' && item.size >= aheadBelow;
      if (big && ahead.filter(a => a.stream).length >= bigAhead) break;
      if (!big && ahead.length > 0 && held(ahead) + item.size > smallBuffer) break;
      next++;
      const early = item.kind === 'file' && !big ? checkedContent(item, job.options).then(c => ({ content: c }), e => ({ error: e })) : null;
      const stream = big ? checkedStream(item, job.options, bigBuffer) : null;
      ahead.push({ item, early, stream });
    }
  };
  try {
    yield* entriesFrom(ahead, fill, job, failed, base);
  } finally {
    for (const { stream } of ahead) stream?.cancel().catch(() => {});
  }
  if (failed.length) yield { name: 'NOT-RESTORED.txt', input: `These files were left out: their bytes do not match the backup.\n${failed.join('\n')}\n` };
}

const held = ahead => ahead.reduce((sum, a) => sum + (a.early ? a.item.size : 0), 0);

async function* entriesFrom(ahead, fill, job, failed, base) {
  fill();
  while (ahead.length) {
    const { item, early, stream } = ahead.shift();
    const name = relative(base, item.path);
    const lastModified = item.modifiedAt ? new Date(item.modifiedAt) : undefined;
    if (item.kind === 'folder') {
      if (name) yield { name: `${name}/`, lastModified };
    } else if (item.kind === 'file') {
      if (early) {
        const { content, error } = await early;
        fill();
        if (error) {
          if (!(error instanceof MismatchError)) throw error;
          failed.push(error.message);
        } else {
          yield { name, lastModified, input: content, size: item.size };
        }
      } else {
        yield { name, lastModified, input: stream, size: item.size };
      }
      job.progress.addFile();
    }
    fill();
  }
}

const relative = (base, path) => {
  const prefix = base ? base.replace(/\/+$/, '') + '/' : '';
  return path.startsWith(prefix) ? path.slice(prefix.length) : nameOf(path);
};

// The same stream, and a promise of its end: resolved when all was read, rejected with its error.
function watched(source) {
  const reader = source.getReader();
  let end;
  const done = new Promise((resolve, reject) => { end = { resolve, reject }; });
  const stream = new ReadableStream({
    async pull(controller) {
      try {
        const { done: last, value } = await reader.read();
        if (last) { controller.close(); end.resolve(); } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        end.reject(error);
      }
    },
    cancel(reason) { reader.cancel(reason); end.reject(new Error('the browser stopped the download')); },
  });
  return { stream, done };
}

// Hands the stream to the page's service worker, which answers a download address with it; where
// there is none, the browser keeps the whole in a Blob (it moves big ones to disk) and saves that.
async function saveStream(stream, name) {
  const worker = await saver();
  if (!worker) {
    new Response(stream).blob().then(blob => {
      const url = URL.createObjectURL(blob);
      click(url, name);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }, () => {});
    return { stop() {} };
  }
  const id = crypto.randomUUID();
  const channel = new MessageChannel();
  const ready = new Promise(resolve => { channel.port1.onmessage = resolve; });
  worker.postMessage({ id, name, stream }, [stream, channel.port2]);
  await ready;
  click(`save/${id}`);
  // A worker with nothing to do may be stopped: keep it awake while the stream flows.
  const keepAlive = setInterval(() => worker.postMessage('ping'), 10_000);
  return { stop: () => clearInterval(keepAlive) };
}

let registration;
async function saver() {
  if (!('serviceWorker' in navigator) || typeof ReadableStream.prototype.pipeTo !== 'function') return null;
  try {
    registration ??= await navigator.serviceWorker.register('save-sw.js');
    await navigator.serviceWorker.ready;
    return registration.active;
  } catch {
    return null;
  }
}

function click(href, name) {
  const link = h('a', { href, download: name ?? false, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}
