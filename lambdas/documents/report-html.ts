import type Decimal from 'decimal.js';
import { Dec, formatMoney } from '../billing/money.ts';
import { barChart, escapeHtml as e, lineChart } from './charts-svg.ts';
import type { Issuer } from './issuer.ts';
import type { MonthFigures, MonthSummary } from './month-summary.ts';

const CSS = `
:root{--ink:#1c2733;--muted:#5b6b7b;--line:#d8dee5;--accent:#1f5ea8;--accent-soft:#dbe8f7;--bad:#b3261e;--good:#1b7f3b}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);margin:0;background:#f6f8fa}
main{max-width:1040px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
header{display:flex;justify-content:space-between;align-items:baseline;border-bottom:2px solid var(--accent);padding-bottom:12px;margin-bottom:20px}
h1{font-size:26px;margin:0}h2{font-size:18px;margin:28px 0 10px;color:var(--accent)}.muted{color:var(--muted)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.tile{border:1px solid var(--line);border-radius:8px;padding:12px 14px}.tile .k{font-size:13px;color:var(--muted)}.tile .v{font-size:22px;font-weight:600;margin-top:2px}
.up{color:var(--good)}.down{color:var(--bad)}.delta{font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{color:var(--muted);font-weight:600}
.chart{width:100%;height:auto;display:block}.chart .grid{stroke:var(--line)}.chart .axis,.chart .label,.chart .value{font-size:12px;fill:var(--muted)}
.chart .label{fill:var(--ink)}.chart .line{fill:none;stroke:var(--accent);stroke-width:2}.chart .area{fill:var(--accent-soft);opacity:.7}.chart .dot{fill:var(--accent)}.chart .bar{fill:var(--accent)}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}.pill{display:inline-block;background:var(--accent-soft);border-radius:10px;padding:0 8px;margin:2px;font-size:13px}
.warn{color:var(--bad);font-weight:600}footer{margin-top:32px;font-size:12px;color:var(--muted)}
@media (max-width:760px){.two{grid-template-columns:1fr}main{padding:16px}}
@media print{body{background:#fff}main{max-width:none;padding:0}h2{break-after:avoid}.chart,table,.tile{break-inside:avoid}}
`;

const pct = (now: Decimal, before: Decimal | null) => {
  if (before === null || before.isZero()) return '';
  const change = now.minus(before).div(before.abs()).times(100);
  const cls = change.isNegative() ? 'down' : 'up';
  return ` <span class="delta ${cls}">${change.isNegative() ? '' : '+'}${change.toFixed(1)}%</span>`;
};

const gb = (bytes: bigint) => new Dec(bytes.toString()).div(1e9);

/**
 * The month for people: one self-contained HTML file (inline CSS and SVG, no script, no request to
 * any host), readable on a laptop and printable. Every money figure is a sum of the register's.
 */
export function renderMonthReport(s: MonthSummary, issuer: Issuer | null, generatedAt: string): string {
  const c = s.currency;
  const money = (v: Decimal) => `${formatMoney(v, c)} ${c}`;
  const cur = s.current;
  const prev = s.previous;
  const tile = (key: string, id: string, value: string, now: Decimal, before: Decimal | null, raw: string) =>
    `<div class="tile" data-figure="${id}" data-value="${e(raw)}"><div class="k">${e(key)}</div><div class="v">${value}${pct(now, before)}</div></div>`;
  const previousNote = prev ? `vs ${e(s.previousMonth)}` : `${e(s.previousMonth)} not invoiced`;
  const f = (m: MonthFigures | null, get: (x: MonthFigures) => Decimal) => (m ? get(m) : null);
  const revenueRows = [
    ...s.topRevenue.map((r) => ({ label: r.email, value: r.revenue.toNumber(), text: money(r.revenue) })),
    ...(s.restRevenue.customers > 0
      ? [
          {
            label: `${s.restRevenue.customers} other customer(s)`,
            value: s.restRevenue.revenue.toNumber(),
            text: money(s.restRevenue.revenue),
          },
        ]
      : []),
  ];
  const list = (emails: readonly string[]) =>
    emails.length === 0
      ? '<span class="muted">none</span>'
      : emails.map((m) => `<span class="pill">${e(m)}</span>`).join(' ');
  const margin = s.margin;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(issuer?.name ?? 'e2-ledger')}: ${e(s.month)} monthly report</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><div><h1>${e(s.month)} monthly report</h1><div class="muted">${e(issuer?.name ?? 'IDrive e2 reseller')} · ${previousNote}</div></div>
<div class="muted">${s.documents.invoices} invoice(s), ${s.documents.creditNotes} credit note(s)</div></header>

<section class="tiles">
${tile(
  'Revenue (before tax)',
  'revenue',
  money(cur.revenue),
  cur.revenue,
  f(prev, (x) => x.revenue),
  formatMoney(cur.revenue, c),
)}
${tile(
  'Billed (tax included)',
  'billed',
  money(cur.billed),
  cur.billed,
  f(prev, (x) => x.billed),
  formatMoney(cur.billed, c),
)}
${tile(
  'Storage (TB-months)',
  'tb-months',
  cur.tbMonths.toFixed(3),
  cur.tbMonths,
  f(prev, (x) => x.tbMonths),
  cur.tbMonths.toFixed(6),
)}
${tile('Customers invoiced', 'customers', String(cur.customers), new Dec(cur.customers), prev ? new Dec(prev.customers) : null, String(cur.customers))}
${tile('Downloads (GB)', 'downloads', gb(cur.downloadedBytes).toFixed(1), gb(cur.downloadedBytes), prev ? gb(prev.downloadedBytes) : null, cur.downloadedBytes.toString())}
</section>

<h2>Total storage per day</h2>
${lineChart(
  s.dailyStorageTb.map((d) => ({ label: d.day, value: d.tb.toNumber() })),
  { title: `Total disk used per day, ${s.month} (TB)`, unit: 'TB', id: 'storage-per-day' },
)}

<h2>Revenue by customer</h2>
${revenueRows.length ? barChart(revenueRows, { title: `Revenue by customer, ${s.month}`, id: 'revenue-by-customer' }) : '<p class="muted">No issued documents.</p>'}

<div class="two">
<section><h2>Storage growth</h2>
<table><thead><tr><th>Customer</th><th class="n">First day (TB)</th><th class="n">Last day (TB)</th><th class="n">Change</th></tr></thead><tbody>
${s.growth
  .map(
    (g) =>
      `<tr><td>${e(g.email)}</td><td class="n">${g.fromTb.toFixed(3)}</td><td class="n">${g.toTb.toFixed(3)}</td><td class="n ${g.toTb.lt(g.fromTb) ? 'down' : 'up'}">${g.toTb.minus(g.fromTb).toFixed(3)}</td></tr>`,
  )
  .join('\n')}
</tbody></table></section>
<section><h2>Customers</h2>
<p><strong>Added in ${e(s.month)}</strong> (${s.added.length})<br>${list(s.added)}</p>
<p><strong>Removed</strong> (${s.removed.length})<br>${list(s.removed)}</p>
<p><strong>Disabled now</strong> (${s.disabled.length})<br>${list(s.disabled)}</p>
<h2>Completeness</h2>
<p data-figure="missing-user-days" data-value="${s.missingUserDays}">${
    s.missingUserDays === 0
      ? 'Every expected user-day of the month is collected.'
      : `<span class="warn">${s.missingUserDays} user-day(s) missing</span> for ${s.customersMissingDays} customer(s): backfill them (e2-ledger collect --from ... --to ...) and issue again.`
  }</p>
</section>
</div>
${
  margin
    ? `<h2>Margin against the wholesale cost card</h2>
<section class="tiles">
${tile('Modelled provider cost', 'margin-cost', money(margin.totals.totalCost), margin.totals.totalCost, null, formatMoney(margin.totals.totalCost, c))}
${tile('Margin', 'margin', `${money(margin.totals.margin)}${margin.totals.marginPct ? ` (${margin.totals.marginPct.toFixed(2)}%)` : ''}`, margin.totals.margin, null, formatMoney(margin.totals.margin, c))}
${tile('Negative margins', 'negative-margins', String(margin.totals.negativeMarginCustomers), new Dec(0), null, String(margin.totals.negativeMarginCustomers))}
</section>
<table><thead><tr><th>Lowest margins</th><th class="n">Revenue</th><th class="n">Cost</th><th class="n">Margin</th><th class="n">%</th></tr></thead><tbody>
${margin.lowest.map((r) => `<tr><td>${e(r.email)}</td><td class="n">${money(r.revenue)}</td><td class="n">${money(r.totalCost)}</td><td class="n ${r.negativeMargin ? 'down' : ''}">${money(r.margin)}</td><td class="n">${r.marginPct?.toFixed(2) ?? ''}</td></tr>`).join('\n')}
</tbody></table>
<p class="muted">Deleted storage is an estimate from daily totals (newest bytes deleted first); see margin-summary-${e(s.month)}.csv.</p>`
    : ''
}
<footer>Generated ${e(generatedAt)} by e2-ledger from the issued documents (invoices/${e(s.month)}/register-${e(s.month)}.csv) and the daily snapshots. Amounts in ${e(c)}.</footer>
</main>
</body>
</html>
`;
}
