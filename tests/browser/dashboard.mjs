// The dashboard in a real browser (Debian's chromium through playwright-core): open it on a small
// live rsi run with a manual gate, see the curve, try to approve the pending adoption without the
// token (refused, nothing changes), paste the token, approve (the run continues, the curve grows
// and the takeoff section shows a verdict), look at the lineage, approvals and the audit chain
// (which names the credential), stop the run from the page. Then the model tab of a search that
// used a language model (configs/llm-demo.toml replayed from its cassette, in the same store, under
// `ouro dashboard`): each exchange beside the program it produced or its rejection. Saves
// screenshots of the main pages.
// Exit code 0 = pass.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.OURO_BIN;
const WEB = process.env.OURO_WEB_DIR;
const SHOTS = process.env.OURO_SCREENSHOTS || process.env.OURO_SCREENSHOTS_DEFAULT || path.join(os.tmpdir(), 'ouro-screenshots');
const require = createRequire(path.join(WEB, 'package.json'));
const { chromium } = require('playwright-core');

const started = Date.now();
function log(...a) { console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a); }
function fail(msg) { throw new Error(msg); }
function check(cond, msg) { if (!cond) fail(msg); }
async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) fail('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ouro-browser-'));
const cfg = path.join(tmp, 'c.toml'), pol = path.join(tmp, 'manual.toml'), db = path.join(tmp, 'runs.db');
fs.writeFileSync(cfg, `seed = 3
threads = 1
[shape]
dim = 2
[search]
population = 20
tournament = 4
init_size = { setup = 3, predict = 1, learn = 3 }
batch = 8
check_every = 100
[improver]
initial = "plain"
[rsi]
generations = 12
candidates = 2
max_games = 4
filter_budget = 200
[rsi.sprt]
elo0 = -400
elo1 = -200
alpha = 0.35
beta = 0.35
alpha_run = 1000
[rsi.train]
families = ["linear:dim=2,tasks=2,train=10,valid=10"]
budget = 300
target = 0.9
[rsi.validation]
families = ["linear:dim=1,tasks=2,train=10,valid=10"]
seeds = 2
budget = 300
target = 0.9
[rsi.test]
families = ["linear:dim=3,tasks=2,train=10,valid=10"]
seeds = 3
budget = 300
target = "frozen"
`);
fs.writeFileSync(pol, '[gates]\nadopt = "manual"\n');
fs.mkdirSync(SHOTS, { recursive: true });

const TOKEN = crypto.randomBytes(16).toString('hex');
const TOKEN_ID = crypto.createHash('sha256').update(TOKEN).digest('hex').slice(0, 8);
const child = spawn(BIN, ['rsi', '--config', cfg, '--db', db, '--policy', pol, '--dashboard', '--port', '0', '--quiet'],
  { env: { ...process.env, OURO_DASHBOARD_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => { out += d; });
child.stderr.on('data', (d) => { out += d; });
let exited = null;
child.on('exit', (code) => { exited = code; });

// Runs a command to its end; resolves to its exit code and output.
function runToEnd(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.stderr.on('data', (d) => { text += d; });
    p.on('exit', (code) => resolve({ code, text }));
  });
}

// The model tab of an llm-demo search replayed into the same store (run 2), under `ouro dashboard`.
async function modelTab(page) {
  const root = path.dirname(WEB);
  const search = await runToEnd(['search', '--config', path.join(root, 'configs/llm-demo.toml'), '--db', db, '--quiet',
    '--llm-replay', path.join(root, 'configs/llm-demo.test-server.cassette.jsonl')]);
  check(search.code === 0, 'the llm-demo search failed:\n' + search.text);
  const dash = spawn(BIN, ['dashboard', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  dash.stderr.on('data', (d) => { text += d; });
  try {
    const url = await until('the dashboard address', () => (text.match(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/) || [])[1], 30000);
    const m = await (await fetch(new URL('/api/runs/2/llm?limit=500', url))).json();
    check(m.total > 0 && m.proposed > 0 && m.rejected > 0, 'the demo has exchanges with and without a program: ' + JSON.stringify(m).slice(0, 300));
    await page.goto(url + '#/run/2/model');
    await page.waitForSelector('#model-exchanges tbody tr');
    const info = await page.textContent('#model-info');
    check(info.includes(`${m.total} exchanges with the model: ${m.proposed} gave a program`), 'the model tab counts the exchanges: ' + info);
    const table = await page.textContent('#model-exchanges');
    check(table.includes('rejected: ') && table.includes('program') && table.includes('prompt'), 'the tab shows prompts beside programs and rejections');
    await page.click('#model-exchanges tbody tr details summary');
    await page.screenshot({ path: path.join(SHOTS, 'model.png'), fullPage: true });
    log(`model tab: ${m.total} exchanges, ${m.proposed} programs`);
  } finally {
    dash.kill('SIGTERM');
  }
}

let browser;
try {
  const url = await until('the dashboard address', () => (out.match(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/) || [])[1], 30000);
  log('dashboard at', url);
  const api = async (p) => (await fetch(new URL(p, url))).json();

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/401|403|409/.test(m.text())) problems.push('console: ' + m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:')) problems.push('request outside the dashboard: ' + r.url()); });

  // Runs list.
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('table.runs tr[data-run="1"]');
  log(`runs list painted in ${Date.now() - t0} ms`);
  await page.screenshot({ path: path.join(SHOTS, 'runs.png') });

  // The run: curve, and the pending adoption.
  await page.goto(url + '#/run/1');
  await page.waitForSelector('#chart-generation canvas');
  const curvePoints = async () => Number(((await page.textContent('#curve-info')) || '').match(/^(\d+) curve points/)?.[1] || 0);
  await until('a curve point on the page', async () => (await curvePoints()) >= 1);
  await page.waitForSelector('.item.pending button.approve', { timeout: 60000 });
  const itemNo = Number(await page.getAttribute('.item.pending', 'data-item'));
  const pointsBefore = await curvePoints();
  log(`pending item ${itemNo}; ${pointsBefore} curve points on the page`);
  await page.screenshot({ path: path.join(SHOTS, 'run.png'), fullPage: true });

  // The same click without the token changes nothing.
  const state = async () => JSON.stringify([(await api('/api/runs/1/items')).items.map((i) => [i.item, i.status]), (await api('/api/runs/1/audit?limit=1')).events]);
  const before = await state();
  await page.click(`.item[data-item="${itemNo}"] button.approve`);
  await page.waitForSelector('#toast.show.bad');
  check(/401/.test(await page.textContent('#toast')), 'a click without the token is refused with 401');
  await new Promise((r) => setTimeout(r, 500));
  check((await state()) === before, 'nothing changed without the token');
  check((await api('/api/runs/1/items')).items.find((i) => i.item === itemNo).status === 'pending', 'the item is still pending');
  log('approve without the token: refused, nothing changed');

  // With a wrong token: 403, nothing changes either.
  await page.fill('#token', 'not-the-right-token-000000');
  await page.click('#token-use');
  await page.waitForSelector('#token-status.bad');
  await page.click(`.item[data-item="${itemNo}"] button.approve`);
  await until('the 403 toast', async () => /403/.test((await page.textContent('#toast')) || ''));
  check((await state()) === before, 'nothing changed with a wrong token');

  // Paste the token, approve: the run adopts and continues, the curve grows.
  await page.fill('#token', TOKEN);
  await page.click('#token-use');
  await page.waitForSelector('#token-status.good');
  await page.fill(`.item[data-item="${itemNo}"] input.note`, 'approved in the browser test');
  await page.click(`.item[data-item="${itemNo}"] button.approve`);
  await until('the approval in the store', async () => (await api('/api/runs/1/items')).items.find((i) => i.item === itemNo).status === 'approved');
  await until('a new curve point on the page', async () => (await curvePoints()) > pointsBefore, 60000);
  log(`approved; the page shows ${await curvePoints()} curve points`);
  // The takeoff section: one of the four verdicts, and the sentence behind it.
  await page.waitForSelector('#takeoff .badge.verdict');
  const verdict = await page.textContent('#takeoff .badge.verdict');
  check(['accelerating', 'steady', 'diminishing', 'insufficient'].includes(verdict), 'a takeoff verdict is shown, got ' + verdict);
  check(/^(The run|Too|Counted as steady)/.test(await page.textContent('#takeoff p')), 'the takeoff verdict is explained');

  // Lineage: click the newest improver, see its spec and the diff against its parent.
  await page.goto(url + '#/run/1/lineage');
  await page.waitForSelector('.tree .node');
  await page.click('.tree .node[data-kind="improver"] >> nth=-1');
  await page.waitForSelector('#node-detail pre.text');
  check(/"population"/.test(await page.textContent('#node-detail pre.text')), 'the spec text is shown');
  check((await page.$$('#node-detail pre.diff span')).length > 0, 'the diff against the parent is shown');
  // The best programs follow the improvers; one shows its program text.
  const programs = await page.$$('.tree .node[data-kind="program"]');
  check(programs.length > 0, 'the best programs are in the lineage');
  await page.click('.tree .node[data-kind="program"] >> nth=0');
  await page.waitForFunction(() => /def (setup|predict|learn)\(\):/.test(document.querySelector('#node-detail pre.text')?.textContent || ''));
  await page.click('.tree .node[data-kind="improver"] >> nth=-1');
  await page.waitForFunction(() => /"population"/.test(document.querySelector('#node-detail pre.text')?.textContent || ''));
  await page.screenshot({ path: path.join(SHOTS, 'lineage.png'), fullPage: true });

  await page.goto(url + '#/run/1/approvals');
  await page.waitForSelector(`.item[data-item="${itemNo}"].approved`);
  await page.screenshot({ path: path.join(SHOTS, 'approvals.png'), fullPage: true });

  // The audit chain: verified, and the approval names the credential.
  await page.goto(url + '#/run/1/audit');
  await page.waitForSelector('.chain.ok');
  const audit = await page.textContent('table.audit');
  check(audit.includes('dashboard:' + TOKEN_ID), 'the audit chain names the credential dashboard:' + TOKEN_ID);
  await page.screenshot({ path: path.join(SHOTS, 'audit.png'), fullPage: true });

  check(problems.length === 0, 'browser problems:\n' + problems.join('\n'));

  // Stop the run from the page (if it is still going); the server goes away with the run.
  await page.goto(url + '#/run/1');
  await page.waitForSelector('.status-line');
  if (exited === null && await page.$('button.ctl.stop')) {
    await page.click('button.ctl.stop');
    log('stop clicked');
  }
  await until('the run to end', () => exited !== null, 30000);
  check(exited === 0, `ouro rsi exited with ${exited}:\n${out}`);
  await modelTab(page);
  log('PASS');
} catch (e) {
  console.error('FAIL:', e.message);
  console.error(out);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (exited === null) child.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
}
