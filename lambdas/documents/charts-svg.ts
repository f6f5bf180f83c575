/** Small inline SVG charts for the monthly report: no script, no external request, printable. */

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A rounded-up axis maximum: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

const fmt = (v: number) =>
  v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);

/** A line chart of one series over the days of a month (values already in the unit shown). */
export function lineChart(
  points: readonly { label: string; value: number }[],
  options: { title: string; unit: string; id: string },
): string {
  const w = 720;
  const h = 240;
  const left = 64;
  const right = 16;
  const top = 28;
  const bottom = 36;
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const x = (i: number) => left + (points.length <= 1 ? 0 : (i * (w - left - right)) / (points.length - 1));
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * max);
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  const area = `${path} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
  const labels = points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => i === 0 || i === points.length - 1 || ((i + 1) % 5 === 0 && i < points.length - 3));
  return `<svg class="chart" data-chart="${escapeHtml(options.id)}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(options.title)}">
<title>${escapeHtml(options.title)}</title>
${ticks
  .map(
    (t) =>
      `<line x1="${left}" x2="${w - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/><text x="${left - 8}" y="${(y(t) + 4).toFixed(1)}" class="axis" text-anchor="end">${fmt(t)}</text>`,
  )
  .join('\n')}
<text x="${left - 8}" y="14" class="axis" text-anchor="end">${escapeHtml(options.unit)}</text>
<path d="${area}" class="area"/>
<path d="${path}" class="line"/>
${points.map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" class="dot"><title>${escapeHtml(p.label)}: ${fmt(p.value)} ${escapeHtml(options.unit)}</title></circle>`).join('')}
${labels.map(({ p, i }) => `<text x="${x(i).toFixed(1)}" y="${h - 12}" class="axis" text-anchor="middle">${escapeHtml(p.label.slice(8))}</text>`).join('')}
</svg>`;
}

/** Horizontal bars, one per row, with the value written at the end of each bar. */
export function barChart(
  rows: readonly { label: string; value: number; text: string }[],
  options: { title: string; id: string },
): string {
  const barH = 22;
  const gap = 6;
  const labelW = 250;
  const w = 720;
  const h = rows.length * (barH + gap) + 8;
  const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
  const width = (v: number) => Math.max(1, ((w - labelW - 120) * Math.max(0, v)) / max);
  return `<svg class="chart" data-chart="${escapeHtml(options.id)}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(options.title)}">
<title>${escapeHtml(options.title)}</title>
${rows
  .map((r, i) => {
    const yy = 4 + i * (barH + gap);
    const label = r.label.length > 36 ? `${r.label.slice(0, 35)}…` : r.label;
    return `<text x="${labelW - 8}" y="${yy + 15}" class="label" text-anchor="end">${escapeHtml(label)}</text><rect x="${labelW}" y="${yy}" width="${width(r.value).toFixed(1)}" height="${barH}" rx="3" class="bar"><title>${escapeHtml(r.label)}: ${escapeHtml(r.text)}</title></rect><text x="${(labelW + width(r.value) + 6).toFixed(1)}" y="${yy + 15}" class="value">${escapeHtml(r.text)}</text>`;
  })
  .join('\n')}
</svg>`;
}
