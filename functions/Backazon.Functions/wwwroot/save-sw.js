// Saves a stream the page makes (a ZIP assembled in the browser) as a download, without holding
// it in memory: the page hands the stream over, then opens save/<id>; this worker answers that
// address with the stream as an attachment, so the browser writes it to disk as it comes.
const waiting = new Map();

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', event => event.waitUntil(self.clients.claim()));

self.addEventListener('message', event => {
  const { id, name, stream } = event.data ?? {};
  if (id && stream) {
    waiting.set(id, { name, stream });
    event.ports[0]?.postMessage('ready');
  }
  // Anything else is the page's keep-alive while a download runs.
});

self.addEventListener('fetch', event => {
  const id = new URL(event.request.url).pathname.match(/\/save\/([0-9a-f-]+)$/)?.[1];
  const entry = id && waiting.get(id);
  if (!entry) return;
  waiting.delete(id);
  event.respondWith(new Response(entry.stream, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(entry.name)}`,
      'X-Content-Type-Options': 'nosniff',
    },
  }));
});
