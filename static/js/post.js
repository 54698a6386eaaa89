/**
 * One POST of a survey form's answers and what the server's answer means (send.js sends a
 * form from its page, outbox.js what waits on the phone).  `post` never throws: it resolves
 * to one outcome, `{kind, ...}`.
 */

/** How long to wait for the server before calling the connection lost (a resend is safe). */
export const TIMEOUT_MS = 60_000;

/**
 * What the server's answer means.  `status` is the HTTP status, `body` the parsed JSON (null
 * when the answer was not JSON: a proxy's page, a captive portal, a redirect followed to
 * HTML), `responseId` the submission's UUID (the acknowledgement must name it).
 *
 * Kinds: sent {url} · checked {message} (preview) · invalid {errors, message} · stale
 * {csrfToken} (the form's token expired; null when the server gave no new one) · session
 * {loginUrl} (signed out) · tooLarge · busy (429) · server (5xx) · noAck (a success that
 * does not acknowledge these answers) · refused {message} (any other refusal).
 */
export function outcome(status, body, responseId = '') {
  const json = body !== null && typeof body === 'object' ? body : null;
  const text = (value) => (typeof value === 'string' && value ? value : null);
  if (status >= 200 && status < 300) {
    const id = String(json?.id ?? '').toLowerCase();
    if (text(json?.url) && id && id === String(responseId).toLowerCase()) {
      return { kind: 'sent', url: json.url };
    }
    if (json?.checked === true) return { kind: 'checked', message: text(json.message) };
    return { kind: 'noAck' };
  }
  if (status === 422 && json?.errors && typeof json.errors === 'object') {
    return { kind: 'invalid', errors: json.errors, message: text(json.message) };
  }
  if (status === 400 && json?.reason === 'csrf') {
    if (text(json.login_url)) return { kind: 'session', loginUrl: json.login_url };
    return { kind: 'stale', csrfToken: text(json.csrf_token) };
  }
  if (status === 401) return { kind: 'session', loginUrl: text(json?.login_url) };
  if (status === 413) return { kind: 'tooLarge' };
  if (status === 429) return { kind: 'busy' };
  if (status >= 500) return { kind: 'server' };
  return { kind: 'refused', message: text(json?.message) };
}

/**
 * POST `body` (URLSearchParams, or a string with its Content-Type in `headers`) to `url` and
 * read the answer; resolves to an outcome, `{kind: 'network'}` when nothing came back in
 * time.  `fetchImpl` is for tests.
 */
export async function post(url, body, {
  responseId = '', timeout = TIMEOUT_MS, fetchImpl, headers = {},
} = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    const response = await (fetchImpl ?? fetch)(url, {
      method: 'POST',
      body,
      headers: { Accept: 'application/json', ...headers },
      credentials: 'same-origin',
      signal: controller.signal,
    });
    const type = response.headers.get('Content-Type') ?? '';
    let json = null;
    if (type.includes('application/json')) {
      try {
        json = await response.json();
      } catch (error) {
        if (error?.name === 'AbortError' || error instanceof TypeError) throw error;
        json = null; // not JSON after all: judged by its status alone
      }
    }
    return outcome(response.status, json, responseId);
  } catch {
    return { kind: 'network' }; // no connection, a reset, or the answer cut off or too late
  } finally {
    clearTimeout(timer);
  }
}
