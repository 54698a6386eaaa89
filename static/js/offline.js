/**
 * Every staff page (templates/base.html; never the poll pages), issue 12: registers the
 * service worker and asks it to keep this person's pages (at sign-in, then every 10 minutes
 * of use online); shows how many answers wait on the phone ([data-outbox-count]) and the
 * offline banner; sends the outbox on load, when the connection returns, when the tab is
 * shown again, from "Gửi ngay", and again after a failed try (from 5 s, doubling up to each
 * minute) while something waits: never relying on Background Sync, which Safari and Firefox
 * lack.  Asks for persistent storage after sign-in and says whether the phone has it
 * ([data-storage]).
 */
import { deliver, openOutbox } from './outbox.js';

// {user, at}: who signed in on this phone last, and when the worker last kept their pages
const KEPT = 'offline-kept';
const bar = document.querySelector('[data-outbox]');
const m = JSON.parse(bar?.dataset.messages || '{}');
const user = bar?.dataset.user ? Number(bar.dataset.user) : null;
const worker = navigator.serviceWorker;
const box = openOutbox();
// served by sw.js from the copy on the phone: no connection, or too slow to wait for
let copy = document.documentElement.hasAttribute('data-offline-copy');
let busy = false;
let wait = 5000; // before trying again after a failure: 5 s, doubling up to a minute
let timer;
let again = false; // asked to send while sending (the connection came back): once more

const remembered = () => {
  try {
    return JSON.parse(localStorage.getItem(KEPT)) ?? {};
  } catch {
    return {};
  }
};
const remember = (value) => {
  try {
    localStorage.setItem(KEPT, JSON.stringify(value));
  } catch { /* private mode: done again next time */ }
};

function banner() {
  const element = document.querySelector('[data-offline-banner]');
  if (element) element.hidden = navigator.onLine && !copy;
}

async function count() {
  if (!bar) return 0;
  const n = await box.items(user).then((items) => items.length, () => 0);
  const shown = bar.querySelector('[data-outbox-count]');
  shown.dataset.outboxCount = shown.textContent = String(n);
  bar.hidden = n === 0;
  return n;
}

/** The bar's line: what happened, with a link where there is something to do. */
function say(text, link) {
  const status = bar.querySelector('[data-outbox-status]');
  status.replaceChildren(text);
  if (link) status.append(' ', Object.assign(document.createElement('a'), link));
  status.hidden = !text;
}

function told(report, byHand) {
  const lines = [];
  if (report.sent) lines.push(m.sent.replace('{n}', report.sent));
  if (report.refused) lines.push(m.refused.replace('{n}', report.refused));
  if (report.stop === 'session') {
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    say([...lines, m.session].join(' '), { href: `/login?next=${next}`, textContent: m.signIn });
    return;
  }
  if (report.stop === 'network' && byHand) lines.push(m.network);
  else if (report.stop && report.stop !== 'network') lines.push(m.later);
  say(lines.join(' '), report.refused ? { href: '/outbox', textContent: m.outbox } : null);
}

/** Send what waits (one tab at a time), then show what came of it. */
async function flush(byHand = false) {
  if (busy) {
    again = true;
    return;
  }
  if (!bar || !(await count())) return;
  busy = true;
  clearTimeout(timer);
  if (byHand) say(m.sending);
  try {
    const run = () => deliver(box, { user });
    const report = await (navigator.locks
      ? navigator.locks.request('survey-outbox', { ifAvailable: true }, (lock) => lock && run())
      : run());
    // another tab is sending: once it is done, this tab counts what is left (below)
    if (report === null) await navigator.locks.request('survey-outbox', () => {});
    if (report) told(report, byHand);
    if (report && report.stop !== 'network') {
      copy = false; // the server answered: connected, whatever the page was served from
      banner();
    }
    // no connection, or a busy server: again soon (the `online` event may never come on a
    // weak signal); signed out: when a page opens after signing in
    if (report?.stop && report.stop !== 'session') {
      timer = setTimeout(flush, wait);
      wait = Math.min(wait * 2, 60_000);
    } else {
      wait = 5000;
    }
  } catch {
    say(m.later);
  } finally {
    busy = false;
    await count();
    window.dispatchEvent(new Event('outbox-sent'));
    if (again) {
      again = false;
      flush(byHand);
    }
  }
}

/** Ask the worker to keep this person's pages, at sign-in and every 10 minutes online. */
function keepPages() {
  const last = remembered();
  if (!worker || user === null || !navigator.onLine || copy) return;
  if (last.user === user && Date.now() - last.at < 600_000) return;
  worker.ready.then((registration) => registration.active?.postMessage({ type: 'keep' }));
}

async function showStorage() {
  const notice = document.querySelector('[data-storage]');
  if (!notice || !navigator.storage?.persisted) return;
  const kept = await navigator.storage.persisted();
  notice.querySelector('[data-storage-yes]').hidden = !kept;
  notice.querySelector('[data-storage-no]').hidden = kept;
  notice.classList.toggle('banner', !kept);
  notice.hidden = kept && notice.dataset.storage !== 'always';
}

if (worker) {
  worker.register('/sw.js', { scope: '/' }).catch(() => {});
  worker.addEventListener('message', ({ data }) => {
    if (data?.type === 'kept' && user !== null) remember({ user, at: Date.now() });
  });
}
if (user !== null && remembered().user !== user) {
  // signed in (another person, or nobody, had the phone): ask the browser to keep our data,
  // and the worker to keep this person's pages
  remember({ user, at: 0 });
  navigator.storage?.persist?.().then(showStorage, () => {});
}
document.querySelector('form[action$="/logout"]')?.addEventListener('submit', () => {
  remember({});
  worker?.controller?.postMessage({ type: 'forget' }); // another person may use the phone
});

window.addEventListener('online', () => {
  copy = false;
  wait = 5000;
  banner();
  flush();
  keepPages();
});
window.addEventListener('offline', banner);
window.addEventListener('outbox', count); // send.js kept a form
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') flush();
});
bar?.querySelector('[data-outbox-send]').addEventListener('click', () => flush(true));
banner();
showStorage();
keepPages();
flush();
