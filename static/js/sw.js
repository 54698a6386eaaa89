/* The service worker (issue 12), served at /sw.js with scope / by survey_app/offline/views.py,
 * which puts two lines before this file: RELEASE (a hash of the app's files) and SHELL (their
 * addresses).
 * - install: keep this release's files and the offline page; the old worker serves until
 *   every page of the app is closed, then this one takes over;
 * - activate: drop older releases' files.  The pages kept for offline work outlive releases
 *   (a renamed pages cache is copied over before the old one goes), and the outbox is in
 *   IndexedDB, which no worker touches: an update never strands a form or an answer;
 * - a page: the network first; the copy kept on the phone when there is no connection, when
 *   the server is down or takes over 6 s; else the offline page, never the browser's error.
 *   A kept page is refreshed each time it comes from the network;
 * - "keep" (offline.js, at sign-in and every 10 minutes online): keep the pages listed by
 *   /offline/pages, drop the others; "forget" (sign-out): drop them all.
 * Never touched: POSTs (the page sends its outbox itself, each body as stored) and other
 * sites.  Never kept: anything not listed, so no anonymous poll page (/p/).
 */
const FILES = `files-${RELEASE}`;
const PAGES = 'pages-1';
const OFFLINE = '/offline';
const WAIT_MS = 6000;
let keeping = null;

const path = (url) => {
  const { pathname, search } = new URL(url, self.location.href);
  return pathname + search;
};
const isPage = (response) => response?.ok && !response.redirected && response.type === 'basic'
  && (response.headers.get('Content-Type') ?? '').startsWith('text/html');

/** A page as kept: marked so that it says it is a copy (offline.js shows the banner). */
async function marked(response) {
  const headers = new Headers(response.headers);
  headers.delete('Content-Encoding');
  headers.delete('Content-Length');
  const text = (await response.text()).replace('<html', '<html data-offline-copy');
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}

/** Fetch `url` and keep it in `cache`; whether it worked (a failure keeps the old copy). */
async function keep(cache, url, credentials = 'same-origin') {
  const response = await fetch(url, { credentials, cache: 'no-store' }).catch(() => null);
  if (!isPage(response)) return false;
  await cache.put(url, await marked(response));
  return true;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(FILES);
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    // the offline page of nobody in particular: it is the same for whoever has the phone
    if (!(await keep(cache, OFFLINE, 'omit'))) throw new Error('the offline page is missing');
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name === FILES || name === PAGES) continue;
      if (name.startsWith('pages-')) {
        const [from, to] = await Promise.all([caches.open(name), caches.open(PAGES)]);
        for (const request of await from.keys()) await to.put(request, await from.match(request));
      }
      await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function navigate(event) {
  const { request } = event;
  const pages = await caches.open(PAGES);
  const copy = await pages.match(path(request.url));
  const network = fetch(request);
  try {
    const response = await (copy ? Promise.race([network, new Promise((_, late) => {
      setTimeout(late, WAIT_MS);
    })]) : network);
    if (copy && response.status >= 500) return copy;
    if (copy && isPage(response)) {
      event.waitUntil(marked(response.clone()).then((kept) => pages.put(path(request.url), kept)));
    }
    return response;
  } catch {
    network.catch(() => {}); // too slow: the copy now, the answer (if any) ignored
    return copy ?? (await (await caches.open(FILES)).match(OFFLINE)) ?? Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.open(FILES)
      .then((cache) => cache.match(request, { ignoreSearch: true }))
      .then((kept) => kept ?? fetch(request)));
  }
});

/** Keep the pages /offline/pages lists for the person signed in; drop the others. */
async function keepPages() {
  const response = await fetch('/offline/pages', {
    headers: { Accept: 'application/json' }, cache: 'no-store',
  }).catch(() => null);
  if (!response?.ok || response.redirected) return;
  const { pages } = await response.json();
  const cache = await caches.open(PAGES);
  const wanted = new Set(pages.map(path));
  for (const request of await cache.keys()) {
    if (!wanted.has(path(request.url))) await cache.delete(request);
  }
  let kept = 0;
  // one at a time: gentle on a weak signal and on a small server
  for (const url of pages) kept += (await keep(cache, url)) ? 1 : 0;
  for (const client of await self.clients.matchAll()) {
    client.postMessage({ type: 'kept', kept, pages: pages.length });
  }
}

self.addEventListener('message', (event) => {
  const type = event.data?.type;
  if (type === 'keep') {
    keeping ??= keepPages().finally(() => { keeping = null; });
    event.waitUntil(keeping);
  } else if (type === 'forget') {
    event.waitUntil(caches.delete(PAGES));
  }
});
