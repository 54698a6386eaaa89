// A small in-memory IndexedDB for node tests of static/js/outbox.js: databases, versions and
// upgrades, object stores with a keyPath, put/get/delete/getAll, transactions that run their
// requests in order (also those made from a request's callback), refuse writes when read-only
// and commit once nothing is pending.  Values are copied in and out (structuredClone), as a
// real database does, and outlive every connection made from the same factory: a new
// connection is what a reloaded page or a restarted browser sees.
const later = (fn) => setTimeout(fn, 0);

function request() {
  return { result: undefined, error: null, onsuccess: null, onerror: null };
}

class Transaction {
  constructor(data, names, mode) {
    for (const name of names) {
      if (!data.stores.has(name)) throw new DOMException(`no store ${name}`, 'NotFoundError');
    }
    Object.assign(this, { data, names, mode, pending: 0, done: false, error: null });
    this.oncomplete = this.onerror = this.onabort = null;
    this.settle();
  }

  objectStore(name) {
    if (!this.names.includes(name)) throw new DOMException(name, 'NotFoundError');
    const store = this.data.stores.get(name);
    const write = (fn) => {
      if (this.mode !== 'readwrite') throw new DOMException('read-only', 'ReadOnlyError');
      return this.run(fn);
    };
    return {
      put: (value) => write(() => {
        const key = value?.[store.keyPath];
        if (key === undefined) throw new DOMException('no key', 'DataError');
        store.records.set(key, structuredClone(value));
        return key;
      }),
      delete: (key) => write(() => { store.records.delete(key); }),
      get: (key) => this.run(() => structuredClone(store.records.get(key))),
      getAll: () => this.run(() => [...store.records.values()].map((v) => structuredClone(v))),
    };
  }

  run(fn) {
    if (this.done) throw new DOMException('finished', 'TransactionInactiveError');
    const req = request();
    this.pending += 1;
    later(() => {
      try {
        req.result = fn();
        req.onsuccess?.({ target: req });
      } catch (error) {
        req.error = error;
        this.error = error;
        req.onerror?.({ target: req });
      }
      this.pending -= 1;
      this.settle();
    });
    return req;
  }

  /** Commit (or fail) once a turn passes with nothing pending. */
  settle() {
    later(() => {
      if (this.pending || this.done) return;
      this.done = true;
      if (this.error) this.onerror?.({ target: this });
      else this.oncomplete?.({ target: this });
    });
  }
}

class Database {
  constructor(data) {
    this.data = data;
    this.upgrading = false;
  }

  get objectStoreNames() {
    return { contains: (name) => this.data.stores.has(name) };
  }

  createObjectStore(name, { keyPath }) {
    if (!this.upgrading) throw new DOMException('not upgrading', 'InvalidStateError');
    this.data.stores.set(name, { keyPath, records: new Map() });
  }

  transaction(names, mode = 'readonly') {
    return new Transaction(this.data, [names].flat(), mode);
  }
}

export class FakeIndexedDB {
  constructor() {
    this.databases = new Map();
    this.opened = 0;
  }

  open(name, version = 1) {
    const req = request();
    this.opened += 1;
    later(() => {
      let data = this.databases.get(name);
      if (!data) {
        data = { version: 0, stores: new Map() };
        this.databases.set(name, data);
      }
      const db = new Database(data);
      req.result = db;
      if (data.version < version) {
        data.version = version;
        db.upgrading = true;
        req.onupgradeneeded?.({ target: req });
        db.upgrading = false;
      }
      req.onsuccess?.({ target: req });
    });
    return req;
  }
}
