// The dashboard's JSON API. Reads need nothing; actions send the token in a header (never in the
// URL). The token lives in sessionStorage: it is gone when the tab closes.
const KEY = 'ouro-dashboard-token';

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(t) { t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY); }

export async function get(path) {
  const res = await fetch(path, { cache: 'no-store' });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(body.error || res.statusText);
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
