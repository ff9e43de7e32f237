// Charts of the dashboard with uPlot (vendored from npm at build time into /vendor/, loaded by the page as a
// classic script that defines window.uPlot): bars for categories (fields, states, years), lines for days and
// months. Sized from their container; redrawn on resize.
const { uPlot } = window;

const charts = new Map();
const BRAND = '#0b6b3a';
const ACCENT = '#c8102e';

function size(el, tall) {
  const width = Math.max(240, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 320));
  const height = tall ? Math.round(Math.min(320, Math.max(180, width * 0.45))) : Math.round(Math.max(140, width * 0.4));
  return { width, height };
}

function fontFor(el) {
  const px = parseFloat(getComputedStyle(el).fontSize) || 16;
  return `${Math.round(px * 0.8)}px system-ui, sans-serif`;
}

/**
 * Draw `values` against category `labels` in `el` (kind "bar" or "line"); `unit` goes into the y axis' values.
 * Empty data draws nothing but a short sentence.
 */
export function drawChart(el, { labels, values, kind = 'bar', unit = '', tall = false, color = BRAND }) {
  charts.get(el)?.destroy();
  charts.delete(el);
  el.replaceChildren();
  if (!labels.length) {
    el.textContent = 'Chưa có số liệu.';
    return;
  }
  const font = fontFor(el);
  const x = labels.map((_, i) => i);
  const step = Math.max(1, Math.ceil(labels.length / 8));
  const bars = kind === 'bar' ? uPlot.paths.bars({ size: [0.7, 64] }) : undefined;
  const options = {
    ...size(el, tall),
    legend: { show: false },
    cursor: { show: kind === 'line', points: { size: 8 } },
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (u, min, max) => [Math.min(0, min), Math.max(1, max * 1.15)] } },
    axes: [
      {
        font,
        stroke: '#1d2521',
        grid: { show: false },
        splits: () => x.filter((i) => i % step === 0),
        values: (u, splits) => splits.map((i) => labels[i] ?? ''),
      },
      { font, stroke: '#1d2521', grid: { stroke: '#d5ddd8' }, values: (u, splits) => splits.map((v) => `${v.toLocaleString('vi-VN')}${unit}`), size: 70 },
    ],
    series: [
      {},
      {
        label: 'Giá trị',
        stroke: kind === 'bar' ? color : color,
        width: kind === 'bar' ? 0 : 3,
        fill: kind === 'bar' ? color : `${color}22`,
        paths: bars,
        points: { show: kind === 'line' && labels.length <= 24, size: 7, fill: color },
      },
    ],
  };
  const chart = new uPlot(options, [x, values.map((v) => (v === null || v === undefined ? null : Number(v)))], el);
  chart.root.setAttribute('role', 'img');
  chart.root.setAttribute('aria-label', labels.map((l, i) => `${l}: ${values[i] ?? '—'}${unit}`).join('; '));
  charts.set(el, chart);
}

export const ACCENT_COLOR = ACCENT;

let pending = null;
window.addEventListener('resize', () => {
  clearTimeout(pending);
  pending = setTimeout(() => {
    for (const [el, chart] of charts) {
      if (!el.isConnected) {
        charts.delete(el);
        continue;
      }
      chart.setSize(size(el, el.classList.contains('ops-chart')));
    }
  }, 200);
});
