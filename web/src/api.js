// The dashboard's JSON API. Reads need nothing; actions send the token in a header (never in the
// URL). The token lives in sessionStorage: it is gone when the tab closes.
const KEY = 'ouro-dashboard-token';

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(t) { t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY); }

// The last answer per path with its ETag: a poll sends If-None-Match, and on 304 (nothing changed)
// gets back the very same object, which the views recognise and do not redraw. At most 64 paths.
const last = new Map();

export async function get(path) {
  const prev = last.get(path);
  const res = await fetch(path, { cache: 'no-store', headers: prev ? { 'If-None-Match': prev.etag } : {} });
  if (res.status === 304 && prev) return prev.body;
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(body.error || res.statusText);
  const etag = res.headers.get('ETag');
  last.delete(path);
  if (etag) {
    last.set(path, { etag, body });
    if (last.size > 64) last.delete(last.keys().next().value);
  }
  return body;
}

// POSTs an action; resolves to {ok, status, body}.
export async function act(path, note) {
  const headers = { 'Content-Type': 'application/json' };
  const t = token();
  if (t) headers['Authorization'] = 'Bearer ' + t;
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(note ? { note } : {}) });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  return { ok: res.ok, status: res.status, body };
}
