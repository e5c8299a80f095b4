// Time-series charts on uPlot (served by the node at /vendor/uplot.js, the global `uPlot`).
// A chart keeps its canvas across refreshes (setData), follows its container's width, and
// describes its latest values in its aria-label (the same figures are in the page's tables).
import { h } from './dom.js';

const PALETTE = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5'];

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * A line chart in `container`. `format(y)` labels the legend (a hashrate with its unit);
 * `tick(y)` the y axis ticks (default `format`; a long unit goes in the axis' `unit` label
 * instead). Returns { set(times, series) }: times in ms since the epoch, series as
 * [{ label, values }] (one value per time; null for a gap).
 */
export function lineChart(container, { title, format, tick = format, unit, height = 220, testid }) {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': title, testid });
  container.append(box);
  if (typeof globalThis.uPlot !== 'function') {
    box.append(h('p', { class: 'note' }, 'Chart unavailable: /vendor/uplot.js did not load.'));
    box.removeAttribute('role');
    return { set() {}, destroy() {} };
  }
  let plot = null;
  let labels = [];
  const fg = cssVar('--muted', '#666');
  const grid = cssVar('--grid', '#ddd');
  const width = () => Math.max(240, box.clientWidth || container.clientWidth || 600);
  const build = (series, data) => {
    plot?.destroy();
    labels = series.map((s) => s.label);
    plot = new globalThis.uPlot(
      {
        width: width(),
        height,
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        series: [
          { value: '{YYYY}-{MM}-{DD} {HH}:{mm}' },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: cssVar(PALETTE[i % PALETTE.length], '#2a6'),
            width: 2,
            fill:
              i === 0 && series.length === 1 ? cssVar('--series-fill', 'transparent') : undefined,
            value: (_u, v) => (v === null || v === undefined ? '—' : format(v)),
            spanGaps: false,
          })),
        ],
        axes: [
          { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          {
            stroke: fg,
            size: 90,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            values: (_u, splits) => splits.map((v) => tick(v)),
            label: unit,
          },
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      box,
    );
  };
  const resize = new ResizeObserver(() => plot?.setSize({ width: width(), height }));
  resize.observe(container);
  return {
    set(times, series) {
      const data = [times.map((t) => Math.floor(t / 1000)), ...series.map((s) => s.values)];
      const same =
        plot !== null &&
        labels.length === series.length &&
        labels.every((l, i) => l === series[i].label);
      if (same) plot.setData(data);
      else build(series, data);
      // At least an hour wide: uPlot spans a lone point over 1,000 days.
      const xs = data[0];
      const span = xs.length > 0 ? xs[xs.length - 1] - xs[0] : 0;
      if (xs.length > 0 && span < 3600)
        plot.setScale('x', { min: xs[xs.length - 1] - 3600, max: xs[xs.length - 1] });
      const last = series.map((s) => `${s.label} ${format(s.values.at(-1) ?? 0)}`).join(', ');
      box.setAttribute(
        'aria-label',
        `${title}${times.length ? `; latest: ${last}` : ': no samples yet'}`,
      );
      box.dataset.points = String(times.length);
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
      plot = null;
    },
  };
}
