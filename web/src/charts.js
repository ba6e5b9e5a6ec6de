// Charts (uPlot): test-arena capability of the adopted improver against the frozen initial improver,
// with 95% bands, per generation and against cumulative compute; candidates' meta-utility; a
// self-play run's Elo ladder against its first version.
import uPlot from '/vendor/uPlot.esm.js';

const BLUE = '#1f77b4', RED = '#d62728', GREEN = '#2ca02c', GREY = '#999';

function width(el) { return Math.max(320, Math.min(900, el.clientWidth || 640)); }

function curveOpts(title, xlabel, el) {
  return {
    title, width: width(el), height: 260,
    scales: { x: { time: false } },
    axes: [{ label: xlabel }, { label: 'test capability' }],
    series: [
      { label: xlabel },
      { label: 'adopted improver', stroke: BLUE, width: 2, points: { show: true, size: 5 } },
      { label: '95% lo', stroke: 'rgba(31,119,180,0.3)', width: 1 },
      { label: '95% hi', stroke: 'rgba(31,119,180,0.3)', width: 1 },
      { label: 'frozen initial', stroke: RED, width: 2, dash: [6, 4] },
      { label: '95% lo', stroke: 'rgba(214,39,40,0.3)', width: 1 },
      { label: '95% hi', stroke: 'rgba(214,39,40,0.3)', width: 1 },
    ],
    bands: [
      { series: [3, 2], fill: 'rgba(31,119,180,0.12)' },
      { series: [6, 5], fill: 'rgba(214,39,40,0.10)' },
    ],
    legend: { live: true },
  };
}

function curveData(points, xkey) {
  const cols = [[], [], [], [], [], [], []];
  for (const p of points) {
    cols[0].push(p[xkey]);
    cols[1].push(p.incumbent.capability); cols[2].push(p.incumbent.lo); cols[3].push(p.incumbent.hi);
    cols[4].push(p.frozen.capability); cols[5].push(p.frozen.lo); cols[6].push(p.frozen.hi);
  }
  // Cumulative compute may repeat (no compute between points): uPlot needs x ascending.
  for (let i = 1; i < cols[0].length; i++) if (cols[0][i] < cols[0][i - 1]) cols[0][i] = cols[0][i - 1];
  return cols;
}

function candOpts(el) {
  const dots = (stroke) => ({ stroke, fill: stroke, width: 0, paths: () => null, points: { show: true, size: 7, fill: stroke } });
  return {
    title: 'meta-utility of candidates', width: width(el), height: 240,
    scales: { x: { time: false } },
    axes: [{ label: 'generation (candidates in order)' }, { label: 'meta-utility' }],
    series: [
      { label: 'generation' },
      { label: 'adopted', ...dots(GREEN) },
      { label: 'rejected', ...dots(RED) },
      { label: 'other (inconclusive, vetoed, identical)', ...dots(GREY) },
      { label: 'incumbent', stroke: BLUE, width: 1, points: { show: false } },
    ],
    legend: { live: true },
  };
}

function candData(points) {
  const cols = [[], [], [], [], []];
  const perGen = new Map();
  for (const c of points) perGen.set(c.generation, Math.max(perGen.get(c.generation) || 0, c.idx + 1));
  for (const c of points) {
    cols[0].push(c.generation + c.idx / (perGen.get(c.generation) + 1));
    const mu = c.meta_utility;
    cols[1].push(c.decision === 'adopted' ? mu : null);
    cols[2].push(c.decision === 'rejected' ? mu : null);
    cols[3].push(c.decision !== 'adopted' && c.decision !== 'rejected' ? mu : null);
    cols[4].push(c.incumbent_meta_utility);
  }
  return cols;
}

// A self-play run's Elo ladder: each measured version against the first, with its 95% interval.
function eloOpts(el) {
  return {
    title: 'Elo against the first version', width: width(el), height: 260,
    scales: { x: { time: false } },
    axes: [{ label: 'generation adopted' }, { label: 'Elo' }],
    series: [
      { label: 'generation' },
      { label: 'version', stroke: BLUE, width: 2, points: { show: true, size: 5 } },
      { label: '95% lo', stroke: 'rgba(31,119,180,0.3)', width: 1 },
      { label: '95% hi', stroke: 'rgba(31,119,180,0.3)', width: 1 },
    ],
    bands: [{ series: [3, 2], fill: 'rgba(31,119,180,0.12)' }],
    legend: { live: true },
  };
}

function eloData(points) {
  const cols = [[], [], [], []];
  for (const p of points) { cols[0].push(p.generation); cols[1].push(p.elo); cols[2].push(p.elo_low); cols[3].push(p.elo_high); }
  return cols;
}

// A chart that keeps its uPlot instance across polls and only replaces the data.
export class Chart {
  constructor(el, kind, title, xkey) { this.el = el; this.kind = kind; this.title = title; this.xkey = xkey; this.plot = null; this.sig = ''; this.last = null; }
  update(points) {
    if (points === this.last) return;  // the same answer (304): nothing to do
    this.last = points;
    const sig = JSON.stringify(points);
    if (sig === this.sig) return;
    this.sig = sig;
    const data = this.kind === 'cand' ? candData(points) : this.kind === 'elo' ? eloData(points) : curveData(points, this.xkey);
    if (this.plot) { this.plot.setData(data); return; }
    const opts = this.kind === 'cand' ? candOpts(this.el) : this.kind === 'elo' ? eloOpts(this.el)
      : curveOpts(this.title, this.xkey === 'generation' ? 'generation' : 'cumulative meta evaluations', this.el);
    this.el.textContent = '';
    this.plot = new uPlot(opts, data, this.el);
  }
  destroy() { if (this.plot) this.plot.destroy(); this.plot = null; this.last = null; }
}
