// Builds DOM nodes from data without ever parsing data as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function fmt(x, digits = 4) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en');
  return x.toFixed(digits);
}

let toastTimer = 0;
export function toast(msg, bad = false) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.className = bad ? 'show bad' : 'show';
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.className = ''; }, 5000);
}

// A diff text ("+ ", "- ", "  " lines, or "path: old -> new" lines) as a colored block.
export function diffBlock(text) {
  const pre = h('pre', { class: 'diff' });
  for (const line of (text || '').split('\n')) {
    if (line === '') continue;
    const cls = line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.includes(' -> ') ? 'chg' : '';
    pre.append(h('span', { class: cls }, line), '\n');
  }
  return pre;
}
