// dashboard_paint — first paint of the dashboard in headless chromium (playwright-core from
// web/node_modules), and a browser kept open on a run for the overhead measurement.
//   node bench/dashboard_paint.mjs paint URL [repeats]   time to the painted curve of run 1 and
//                                                       to the lineage tree of run 2 (median)
//   node bench/dashboard_paint.mjs watch URL RUN SECONDS  keep a page open on RUN, polling
//   node bench/dashboard_paint.mjs watch-log LOG RUN SECONDS  the same, but the browser starts first
//                                                       (prints "ready"), then waits for the
//                                                       "dashboard: http://..." line in LOG
// See docs/benchmarks.md ("Dashboard") for the store (bench/dashboard_store) and the commands.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'web', 'package.json'));
const { chromium } = require('playwright-core');
const [mode, url, a3, a4] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, handleSIGTERM: false,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  if (mode === 'paint') {
    const repeats = Number(a3 || 5);
    const curve = [], tree = [], runs = [];
    for (let i = 0; i < repeats; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      let t = Date.now();
      await page.goto(url + '#/');
      await page.waitForSelector('table.runs tr[data-run]');
      runs.push(Date.now() - t);
      t = Date.now();
      await page.goto(url + '#/run/1');
      await page.reload();
      await page.waitForSelector('#chart-candidates canvas');
      await page.waitForFunction(() => /curve points/.test(document.getElementById('curve-info')?.textContent || ''));
      curve.push(Date.now() - t);
      t = Date.now();
      await page.goto(url + '#/run/2/lineage');
      await page.reload();
      await page.waitForSelector('.tree .node');
      tree.push(Date.now() - t);
      await page.close();
    }
    console.log(JSON.stringify({ runs_ms: runs, curve_ms: curve, lineage_ms: tree,
      median_runs_ms: median(runs), median_curve_ms: median(curve), median_lineage_ms: median(tree) }));
  } else if (mode === 'watch' || mode === 'watch-log') {
    const page = await browser.newPage();
    let base = url;
    if (mode === 'watch-log') {
      console.log('ready');
      const fs = await import('node:fs');
      for (;;) {
        const m = fs.existsSync(url) && /dashboard: (http:\/\/\S+\/)/.exec(fs.readFileSync(url, 'utf8'));
        if (m) { base = m[1]; break; }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await page.goto(base + '#/run/' + a3);
    // Until SECONDS pass or SIGTERM (the run is over).
    await new Promise((r) => {
      setTimeout(r, Number(a4) * 1000);
      process.once('SIGTERM', () => { setTimeout(() => process.exit(0), 2000); r(); });
    });
  } else {
    console.error('usage: dashboard_paint.mjs paint URL [repeats] | watch URL RUN SECONDS | watch-log LOG RUN SECONDS');
    process.exitCode = 2;
  }
} finally {
  await browser.close();
}
