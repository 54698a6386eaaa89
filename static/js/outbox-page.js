/**
 * The page /outbox (templates/offline/outbox.html), issue 12: what waits on this phone and
 * the receipts of what reached the server, read from the outbox (outbox.js).  A refused item
 * opens in its own form, with its answers and the server's messages, to be corrected and sent
 * again; it can also be removed, after a warning.  Drawn again whenever offline.js has sent.
 */
import { saveDraft } from './draft-store.js';
import { draftOf, openOutbox } from './outbox.js';

const root = document.querySelector('[data-outbox-page]');
const bar = document.querySelector('[data-outbox]');
const user = bar?.dataset.user ? Number(bar.dataset.user) : null;
const m = JSON.parse(root.dataset.messages);
const box = openOutbox();

const two = (n) => String(n).padStart(2, '0');
/** 30/09/2017 17:05, in the phone's time. */
function when(iso) {
  const d = new Date(iso);
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} `
    + `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A copy of template `id` and a way to fill its [data-slot]s. */
function card(id, { title, url, unit }) {
  const node = document.getElementById(id).content.firstElementChild.cloneNode(true);
  const slot = (name) => node.querySelector(`[data-slot=${name}]`);
  slot('title').textContent = title || url;
  slot('unit').textContent = unit || m.noUnit;
  return [node, slot];
}

function waiting(item) {
  const [node, slot] = card('outbox-item', item);
  node.dataset.id = item.id;
  slot('time').textContent = when(item.savedAt);
  const refused = item.state === 'refused';
  slot('state').textContent = refused ? m.refused : m.waiting;
  slot('state').classList.toggle('refused', refused);
  if (!refused) return node;
  slot('problems').hidden = false;
  slot('message').textContent = item.message ?? m[item.reason] ?? '';
  slot('errors').replaceChildren(...[...new Set(Object.values(item.errors ?? {}))]
    .map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  slot('actions').hidden = false;
  node.querySelector('[data-open]').addEventListener('click', () => {
    if (item.draftKey) saveDraft(item.draftKey, draftOf(item));
    window.location.assign(item.url);
  });
  node.querySelector('[data-discard]').addEventListener('click', async () => {
    if (!window.confirm(m.discard)) return;
    await box.remove(item.id);
    window.dispatchEvent(new Event('outbox'));
    show();
  });
  return node;
}

function sent(receipt) {
  const [node, slot] = card('outbox-receipt', receipt);
  node.dataset.id = receipt.id;
  slot('time').textContent = when(receipt.sentAt);
  slot('link').href = receipt.url;
  return node;
}

async function show() {
  const [items, receipts] = await Promise.all([box.items(user), box.receipts(user)]);
  root.querySelector('[data-outbox-items]').replaceChildren(...items.map(waiting));
  root.querySelector('[data-outbox-empty]').hidden = items.length > 0;
  root.querySelector('[data-outbox-receipts]').replaceChildren(...receipts.map(sent));
  root.querySelector('[data-receipts-empty]').hidden = receipts.length > 0;
}

window.addEventListener('outbox-sent', show);
show();
