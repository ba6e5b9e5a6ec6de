// The Ouro dashboard: runs, a run's curve and candidates, lineage, approvals and the audit chain.
// Plain ES modules; every view polls the JSON API every 2 s (ETag: an unchanged answer is a 304) and
// redraws only what changed.
import { get, act, token, setToken } from '/api.js';
import { h, fmt, toast, diffBlock } from '/dom.js';
import { Chart } from '/charts.js';

const main = document.getElementById('main');
let view = null;      // {refresh(), destroy()}
let timer = 0;

// ---- token ----
function showTokenState(text, cls) {
  const s = document.getElementById('token-status');
  s.textContent = text;
  s.className = cls || 'muted';
}
document.getElementById('token-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = document.getElementById('token');
  setToken(input.value.trim());
  input.value = '';
  const r = await act('/api/auth');
  if (r.ok) showTokenState('token accepted (' + r.body.actor + ')', 'good');
  else { showTokenState(r.body.error || 'token refused', 'bad'); }
});
document.getElementById('token-forget').addEventListener('click', () => { setToken(''); showTokenState('read-only'); });
if (token()) act('/api/auth').then((r) => showTokenState(r.ok ? 'token accepted (' + r.body.actor + ')' : 'token refused', r.ok ? 'good' : 'bad'));

async function doAction(path, note, what) {
  const r = await act(path, note);
  if (r.ok) toast(what + ': done');
  else toast(what + ' refused (' + r.status + '): ' + (r.body.error || ''), true);
  refresh();
  return r;
}

// Replaces the children of el only when the data changed (keeps focus and scroll otherwise).
const rendered = new WeakMap();  // element -> the data object it was last built from
function render(el, data, build) {
  if (data !== null && typeof data === 'object' && rendered.get(el) === data) return;  // a 304 answer
  if (data !== null && typeof data === 'object') rendered.set(el, data);
  const sig = JSON.stringify(data);
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  el.replaceChildren(...[].concat(build(data)).filter((c) => c !== null && c !== undefined && c !== false));
}

function statusBadge(r) {
  const label = r.status + (r.live ? '' : (['running', 'paused', 'waiting'].includes(r.status) ? ' (process gone)' : ''));
  return h('span', { class: 'badge ' + r.status }, label);
}

function budgetText(b, progress) {
  const parts = [];
  for (const [k, v] of Object.entries(b || {}))
    if (v.limit > 0) parts.push(`${k.replace('_', ' ')} ${fmt(Math.round(v.used))} of ${fmt(v.limit)} (${Math.round(100 * v.fraction)}%)`);
  if (!parts.length && progress) parts.push(`${fmt(Math.round(progress.evaluations || 0))} evaluations, no budget`);
  return parts.join('; ') || '–';
}

// ---- runs list ----
function runsView() {
  const box = h('div');
  main.replaceChildren(h('h1', {}, 'Runs'), box);
  return {
    async refresh() {
      const runs = await get('/api/runs');
      render(box, runs, (rs) => {
        if (!rs.length) return h('p', { class: 'muted' }, 'No runs in this store yet.');
        return h('table', { class: 'runs' },
          h('thead', {}, h('tr', {}, ['run', 'kind', 'status', 'created (UTC)', 'generation', 'capability', 'budget used', 'tripwires', 'pending'].map((t) => h('th', {}, t)))),
          h('tbody', {}, rs.slice().reverse().map((r) => {
            const p = r.progress || {}, s = r.summary || {};
            return h('tr', { 'data-run': r.run_id },
              h('td', {}, h('a', { href: `#/run/${r.run_id}` }, String(r.run_id))),
              h('td', {}, r.kind), h('td', {}, statusBadge(r)), h('td', {}, r.created_at),
              h('td', {}, fmt(p.generation ?? s.generations ?? null)),
              h('td', {}, fmt(p.capability ?? s.capability_final ?? s.fitness_final ?? null)),
              h('td', {}, r.progress ? budgetText(r.budget, p) : (s.cumulative_evaluations !== undefined ? fmt(Math.round(s.cumulative_evaluations)) + ' evaluations' : '–')),
              h('td', {}, String(r.tripwires_fired)),
              h('td', { class: r.pending ? 'warn' : '' }, String(r.pending)));
          })));
      });
    },
    destroy() {},
  };
}

// ---- one run ----
const TABS = [['', 'Curve'], ['lineage', 'Lineage'], ['approvals', 'Approvals'], ['audit', 'Audit chain'], ['model', 'Model']];

function itemsBlock(items, runId, pendingOnly) {
  const list = items.filter((i) => !pendingOnly || i.status === 'pending');
  if (!list.length) return h('p', { class: 'muted' }, pendingOnly ? 'Nothing is waiting for a decision.' : 'No questions were put to people in this run.');
  return list.map((i) => {
    const ev = i.evidence || {};
    const note = h('input', { type: 'text', class: 'note', placeholder: 'note / reason', 'aria-label': 'note' });
    const base = `/api/runs/${runId}/items/${i.item}/`;
    const stats = h('table', { class: 'evidence' }, [
      ['LLR (bounds)', `${fmt(ev.llr, 3)} (${fmt(ev.lower, 3)}, ${fmt(ev.upper, 3)})`],
      ['gate', `${ev.gate || '–'} SPRT, alpha ${fmt(ev.alpha, 5)}, P(accept | equal) ${fmt(ev.p_accept_equal, 5)}`],
      ['W/L/D', `${fmt(ev.wins)}/${fmt(ev.losses)}/${fmt(ev.draws)}`],
      ['meta-utility', `${fmt(ev.meta_utility)} vs incumbent ${fmt(ev.incumbent_meta_utility)}`],
      ['validation capability', `${fmt(ev.validation_capability ?? ev.heldout_capability)} vs incumbent ${fmt(ev.incumbent_validation_capability ?? ev.incumbent_heldout_capability)}`],
      ['why asked', ev.reason || '–'],
    ].map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))));
    return h('div', { class: 'item ' + i.status, 'data-item': i.item },
      h('h3', {}, `item ${i.item} · ${i.kind} · `, h('span', { class: 'badge ' + i.status }, i.status)),
      h('p', {}, i.summary),
      stats,
      ev.diff ? h('details', { open: pendingOnly }, h('summary', {}, 'spec diff'), diffBlock(ev.diff)) : null,
      i.status === 'pending'
        ? h('div', { class: 'actions' }, note,
          h('button', { class: 'approve', onclick: () => doAction(base + 'approve', note.value, `approve item ${i.item}`) }, 'Approve'),
          h('button', { class: 'reject', onclick: () => {
            if (!note.value.trim()) { toast('a rejection needs a reason in the note field', true); return; }
            doAction(base + 'reject', note.value, `reject item ${i.item}`);
          } }, 'Reject'))
        : h('p', { class: 'muted' }, `${i.status} by ${i.decided_by} at ${i.decided_at}${i.note ? ' — ' + i.note : ''}`));
  });
}

function runHeader(r) {
  const p = r.progress || {}, s = r.summary || {};
  const ctl = (what) => h('button', { class: 'ctl ' + what, onclick: () => doAction(`/api/runs/${r.run_id}/${what}`, '', what) }, what[0].toUpperCase() + what.slice(1));
  return [
    h('div', { class: 'status-line' },
      statusBadge(r),
      r.control !== 'run' ? h('span', { class: 'badge warn' }, r.control + ' requested') : null,
      h('span', {}, `${r.kind} · seed ${r.seed}${r.policy ? ' · policy ' + r.policy : ''}`),
      r.null_control ? h('span', { class: 'badge warn', title: 'adoptions by a coin, not by the gate' }, 'null control') : null,
      h('span', {}, `generation ${fmt(p.generation ?? s.generations ?? null)} · adopted ${fmt(p.adopted ?? s.adopted ?? null)}`),
      h('span', {}, 'budget: ' + (r.progress ? budgetText(r.budget, p) : '–')),
      h('span', { id: 'tripwires' }, `tripwires fired: ${r.tripwires_fired}`),
      h('span', { class: r.pending ? 'warn' : '' }, `pending: ${r.pending}`)),
    r.live ? h('div', { class: 'controls' }, ctl('pause'), ctl('resume'), ctl('stop')) : null,
  ];
}

// The run read as a takeoff (GET /api/runs/N/takeoff): the verdict in a sentence, f, the
// multiplier and r with their 95% intervals, and how they are estimated.
function takeoffBlock(t) {
  const num = (v) => (v === null ? 'no finite bound' : fmt(v, 3));
  const iv = (v, lo, hi) => (v === null ? '–' : `${fmt(v, 3)}, 95% [${num(lo)}, ${num(hi)}]`);
  const row = (name, value) => h('tr', {}, h('th', {}, name), h('td', {}, value));
  return [
    h('h2', {}, 'Takeoff ', h('span', { class: 'badge verdict ' + t.verdict }, t.verdict)),
    h('p', {}, t.reason),
    h('table', { class: 'evidence' }, h('tbody', {},
      row('f: each improvement makes the next f cheaper to find', iv(t.f, t.f_ci_low, t.f_ci_high)),
      row('multiplier 1/(1−f)', t.f !== null && t.multiplier === null ? 'no finite bound' : iv(t.multiplier, t.multiplier_ci_low, t.multiplier_ci_high)),
      row('returns r: slope of log capability on log compute', iv(t.returns_r, t.returns_ci_low, t.returns_ci_high)),
      row('adoptions', `${t.adoptions}; ${fmt(Math.round(t.evaluations_since_last_adoption))} evaluations since ${t.adoptions ? 'the last' : 'the start'}`))),
    h('p', { class: 'muted' }, t.method),
  ];
}

// A self-play run's generations: games, the search's fitness, the gate's match and verdict.
function selfplayBlock(generations) {
  const row = (g) => h('tr', {}, [g.generation, fmt(g.positions), fmt(g.search_fitness, 4),
    `${g.match.wins}-${g.match.losses}-${g.match.draws}`, g.match.decision, fmt(g.gate.alpha, 3), g.adopted ? 'adopted' : ''].map((v) => h('td', {}, String(v))));
  return [h('h2', {}, 'Generations'), h('table', { class: 'evidence' },
    h('thead', {}, h('tr', {}, ['generation', 'positions', 'fitness', 'gate W-L-D', 'test', 'alpha', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, generations.slice(-50).reverse().map(row)))];
}

function runView(id, tab) {
  const head = h('div', { class: 'run-head' });
  const tabs = h('nav', { class: 'tabs' }, TABS.map(([t, label]) => h('a', { href: `#/run/${id}${t ? '/' + t : ''}`, class: t === tab ? 'active' : '' }, label)));
  const body = h('div', { class: 'tab-body' });
  main.replaceChildren(h('h1', {}, `Run ${id}`), head, tabs, body);
  const charts = [];
  let sub;
  if (tab === '') {
    const pending = h('section', { id: 'pending' });
    const c1 = h('div', { class: 'chart', id: 'chart-generation' }), c2 = h('div', { class: 'chart', id: 'chart-compute' }), c3 = h('div', { class: 'chart', id: 'chart-candidates' });
    const info = h('p', { class: 'muted', id: 'curve-info' });
    const takeoff = h('section', { id: 'takeoff' });
    body.append(pending, info, c1, c2, c3, takeoff);
    charts.push(new Chart(c1, 'curve', 'test capability per generation', 'generation'),
      new Chart(c2, 'curve', 'test capability against compute', 'cumulative_evaluations'),
      new Chart(c3, 'cand'));
    const c4 = h('div', { class: 'chart', id: 'chart-elo' }), gens = h('section', { id: 'selfplay' });
    body.append(c4, gens);
    charts.push(new Chart(c4, 'elo'));
    sub = async (run) => {
      if (run.kind === 'selfplay') {
        const sp = await get(`/api/runs/${id}/elo`);
        render(info, [sp.generations.length, sp.versions.length, sp.ladder.length], () =>
          `${sp.generations.length} generations · ${sp.versions.length} versions (version 0 is the first) · ` +
          (sp.ladder.length ? `Elo ladder of ${sp.ladder.length} versions` : 'the Elo ladder is measured when the run ends'));
        if (sp.ladder.length) charts[3].update(sp.ladder);
        render(gens, sp.generations, selfplayBlock);
        return;
      }
      if (run.kind !== 'rsi') { render(info, run.kind, () => 'Only rsi and self-play runs have a curve; see the lineage tab.'); return; }
      const [curve, cand, items, tk] = await Promise.all([get(`/api/runs/${id}/curve`), get(`/api/runs/${id}/candidates`),
        get(`/api/runs/${id}/items`), get(`/api/runs/${id}/takeoff`)]);
      render(pending, items.items.filter((i) => i.status === 'pending'), () => [h('h2', {}, 'Pending approvals'), itemsBlock(items.items, id, true)].flat());
      render(info, [curve.total, curve.points.length, cand.total, cand.counts], () =>
        `${curve.total} curve points (${curve.points.length} shown) · ${cand.total} candidates: ` +
        Object.entries(cand.counts).map(([k, v]) => `${v} ${k}`).join(', '));
      charts[0].update(curve.points);
      charts[1].update(curve.points);
      charts[2].update(cand.points);
      render(takeoff, tk, takeoffBlock);
    };
  } else if (tab === 'lineage') sub = lineageTab(id, body);
  else if (tab === 'approvals') {
    sub = async () => {
      const items = await get(`/api/runs/${id}/items`);
      render(body, items.items, () => itemsBlock(items.items, id, false));
    };
  } else if (tab === 'audit') sub = auditTab(id, body);
  else if (tab === 'model') sub = modelTab(id, body);
  return {
    async refresh() {
      const run = await get(`/api/runs/${id}`);
      render(head, run, runHeader);
      await sub(run);
    },
    destroy() { charts.forEach((c) => c.destroy()); },
  };
}

// The lineage as a tree: the first child continues its parent's column, a branch is indented.
function lineageTab(id, body) {
  let limit = 300, selected = null;
  const tree = h('div', { class: 'tree', id: 'tree' }), detail = h('div', { class: 'node-detail', id: 'node-detail' }, h('p', { class: 'muted' }, 'Click a node to see its text and its diff against its parent.'));
  const info = h('p', { class: 'muted' });
  body.append(info, h('div', { class: 'lineage' }, tree, detail));
  async function select(node) {
    selected = node.hash;
    tree.querySelectorAll('.node').forEach((n) => n.classList.toggle('selected', n.dataset.hash === selected));
    const d = await get(`/api/runs/${id}/node/${node.hash}`);
    detail.replaceChildren(
      h('h3', {}, `${d.kind} ${d.hash}`, d.generation !== undefined ? ` (generation ${d.generation})` : ''),
      h('p', { class: 'muted' }, d.parent_hash ? `parent ${d.parent_hash}` : 'no parent (the root)'),
      h('h4', {}, 'diff against its parent'), d.diff ? diffBlock(d.diff) : h('p', { class: 'muted' }, '–'),
      h('h4', {}, d.kind === 'improver' ? 'spec' : 'program'), h('pre', { class: 'text' }, d.text));
  }
  return async () => {
    const lin = await get(`/api/runs/${id}/lineage?limit=${limit}`);
    render(info, [lin.total, lin.nodes.length], () => [
      `${lin.total} ${lin.kind === 'rsi' ? 'improvers and best programs' : 'programs'} in the lineage` + (lin.first > 0 ? `; the newest ${lin.nodes.length} are shown ` : ' '),
      lin.first > 0 && limit < 5000 ? h('button', { onclick: () => { limit = Math.min(5000, limit * 4); tree.dataset.sig = ''; } }, 'show more') : null]);
    render(tree, lin.nodes, (nodes) => {
      const kids = new Map(), roots = [];
      for (const n of nodes) (n.parent === null ? roots : (kids.get(n.parent) || kids.set(n.parent, []).get(n.parent))).push(n);
      const rows = [];
      const stack = roots.slice().reverse().map((n) => [n, 0]);
      while (stack.length) {
        const [n, depth] = stack.pop();
        rows.push([n, depth]);
        const ch = kids.get(n.id) || [];
        for (let k = ch.length - 1; k >= 0; k--) stack.push([ch[k], k === 0 ? depth : depth + 1]);
      }
      return rows.map(([n, depth]) => h('div', {
        class: 'node' + (n.hash === selected ? ' selected' : ''), 'data-hash': n.hash, 'data-kind': n.kind, style: null,
        onclick: () => select(n), title: n.hash,
      }, h('span', { class: 'indent' }, '│ '.repeat(depth) + (n.parent_hidden ? '… ' : n.parent === null ? '● ' : '└ ')),
      h('b', {}, n.label), ' ', h('code', {}, n.hash.slice(0, 12)),
      n.meta_operator ? ` [${n.meta_operator}]` : '', n.value !== null ? ` · ${fmt(n.value)}` : ''));
    });
  };
}

function auditTab(id, body) {
  let offset = 0;
  const status = h('div', { id: 'audit-status' }), table = h('div');
  const pager = h('div', { class: 'pager' },
    h('button', { onclick: () => { offset = Math.max(0, offset - 50); refresh(); } }, 'newer'),
    h('button', { onclick: () => { offset += 50; refresh(); } }, 'older'));
  body.append(status, pager, table);
  return async () => {
    const a = await get(`/api/runs/${id}/audit?offset=${offset}&limit=50`);
    render(status, [a.ok, a.events, a.problem, a.head], () => a.ok
      ? h('p', { class: 'chain ok' }, `Chain verified: OK — ${a.events} events, head ${a.head}`)
      : h('p', { class: 'chain bad' }, `Chain BROKEN at row ${a.first_bad_row}: ${a.problem}`));
    render(table, a.page, (page) => h('table', { class: 'audit' },
      h('thead', {}, h('tr', {}, ['seq', 'at', 'type', 'actor', 'content'].map((t) => h('th', {}, t)))),
      h('tbody', {}, page.map((e) => h('tr', {},
        h('td', {}, String(e.seq)), h('td', {}, e.at), h('td', {}, e.type), h('td', {}, e.actor),
        h('td', {}, h('details', {}, h('summary', {}, JSON.stringify(e.content).slice(0, 100)), h('pre', {}, JSON.stringify(e.content, null, 2)))))))));
  };
}

// The run's exchanges with a language model, newest first: each prompt beside the reply and the
// proposal it produced (the program, or why there was none).
function modelTab(id, body) {
  let offset = 0;
  const info = h('p', { class: 'muted', id: 'model-info' }), table = h('div', { id: 'model-exchanges' });
  const pager = h('div', { class: 'pager' },
    h('button', { onclick: () => { offset = Math.max(0, offset - 20); refresh(); } }, 'newer'),
    h('button', { onclick: () => { offset += 20; refresh(); } }, 'older'));
  body.append(info, pager, table);
  const text = (label, t) => h('details', {}, h('summary', {}, label), h('pre', { class: 'text' }, t));
  const prompt = (req) => ((req && req.messages) || []).map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
  const row = (x) => {
    const o = x.outcome || {};
    const status = o.ok ? `ok (${o.attempts} attempt${o.attempts === 1 ? '' : 's'})` : `failed: ${o.error || 'unknown'}`;
    const u = o.usage || {}, tokens = `${u.prompt_tokens || 0} + ${u.completion_tokens || 0}`;
    return h('tr', {}, h('td', {}, String(x.seq)), h('td', {}, x.individual >= 0 ? String(x.individual) : '–'),
      h('td', {}, status), h('td', {}, tokens),
      h('td', {}, text('prompt', prompt(x.request)), o.ok ? text('reply', o.content) : null),
      h('td', {}, x.program ? text('program', x.program) : h('span', { class: 'bad' }, 'rejected: ' + (x.rejection || ''))));
  };
  return async () => {
    const m = await get(`/api/runs/${id}/llm?offset=${offset}&limit=20`);
    render(info, [m.total, m.proposed, m.offset], () => m.total
      ? `${m.total} exchanges with the model: ${m.proposed} gave a program, ${m.rejected} did not` +
        (m.total > m.page.length ? ` (newest first: ${m.offset + 1}–${m.offset + m.page.length} shown)` : '')
      : 'This run did not use a language model.');
    render(table, m.page, (page) => h('table', { class: 'audit' },
      h('thead', {}, h('tr', {}, ['seq', 'child', 'outcome', 'tokens (prompt + reply)', 'exchange', 'proposal'].map((t) => h('th', {}, t)))),
      h('tbody', {}, page.map(row))));
  };
}

// ---- routing and polling ----
function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (view) view.destroy();
  const crumbs = document.getElementById('crumbs');
  if (parts[0] === 'run' && /^\d+$/.test(parts[1] || '')) {
    view = runView(Number(parts[1]), parts[2] || '');
    crumbs.replaceChildren(h('a', { href: '#/' }, 'runs'), ` / run ${parts[1]}`);
  } else {
    view = runsView();
    crumbs.replaceChildren(h('a', { href: '#/' }, 'runs'));
  }
  refresh();
}

// Every 2 s while the tab is visible (10 s when hidden): live enough for runs whose generations take
// seconds, and cheap for the run being watched (docs/benchmarks.md, "Cost of watching a run").
const POLL_MS = 2000;
let inflight = false;
async function refresh() {
  clearTimeout(timer);
  if (!inflight && view) {
    inflight = true;
    try { await view.refresh(); document.body.classList.remove('offline'); }
    catch (e) { document.body.classList.add('offline'); toast('cannot reach the dashboard: ' + e.message, true); }
    finally { inflight = false; }
  }
  timer = setTimeout(refresh, document.hidden ? 10000 : POLL_MS);
}

window.addEventListener('hashchange', route);
route();
