// Renders the comparison as a PNG: one horizontal bar per metric, the length being real / ours on
// a log scale. The SVG is drawn here and rasterised by @resvg/resvg-js (prebuilt binaries from npm).
import { writeFileSync } from "node:fs";

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function chartSvg({ title, subtitle, rows }) {
  // rows: [{ label, ratio (number | null), detail }]
  const W = 1100;
  const left = 290;
  const right = 250;
  const top = 96;
  const rowH = 40;
  const plotW = W - left - right;
  const H = top + rows.length * rowH + 60;
  const ratios = rows.map((r) => r.ratio).filter((r) => Number.isFinite(r) && r > 0);
  const lo = Math.min(0, Math.floor(Math.log10(Math.min(1, ...ratios))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...ratios))));
  const x = (ratio) => left + ((Math.log10(ratio) - lo) / (hi - lo)) * plotW;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="24" y="34" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="20" font-weight="bold" fill="#111">${esc(title)}</text>`);
  out.push(`<text x="24" y="60" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="13" fill="#444">${esc(subtitle)}</text>`);
  // Grid: one line per decade.
  for (let d = lo; d <= hi; d++) {
    const gx = left + ((d - lo) / (hi - lo)) * plotW;
    const label = d >= 0 ? `${(10 ** d).toLocaleString("en-US")}×` : `${10 ** d}×`;
    out.push(`<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${top + rows.length * rowH}" stroke="${d === 0 ? "#333" : "#ddd"}" stroke-width="${d === 0 ? 1.5 : 1}"/>`);
    out.push(`<text x="${gx}" y="${top + rows.length * rowH + 20}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#555">${label}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + rows.length * rowH + 44}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#555">real agentOS / this package (log scale; right of 1× = this package is faster or smaller)</text>`);
  out.push(`<text x="${left + plotW + 70}" y="${top - 14}" font-family="DejaVu Sans, sans-serif" font-size="11" font-weight="bold" fill="#555">this package vs agentOS</text>`);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 12}" y="${y + rowH / 2 + 5}" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#111">${esc(r.label)}</text>`);
    if (!(Number.isFinite(r.ratio) && r.ratio > 0)) {
      out.push(`<text x="${x(1) + 8}" y="${y + rowH / 2 + 5}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#888">n/a</text>`);
      return;
    }
    const x0 = x(1);
    const x1 = x(r.ratio);
    const color = r.ratio >= 1 ? "#2f7ed8" : "#d8602f";
    out.push(`<rect x="${Math.min(x0, x1)}" y="${y + 8}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 16}" fill="${color}"/>`);
    const ratioText = `${fmtRatio(r.ratio)}×`;
    out.push(`<text x="${Math.max(x0, x1) + 6}" y="${y + rowH / 2 + 5}" font-family="DejaVu Sans, sans-serif" font-size="13" font-weight="bold" fill="#111">${esc(ratioText)}</text>`);
    if (r.detail) out.push(`<text x="${left + plotW + 70}" y="${y + rowH / 2 + 5}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#555">${esc(r.detail)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n");
}

export function fmtRatio(r) {
  if (!Number.isFinite(r)) return "n/a";
  if (r >= 100) return Math.round(r).toLocaleString("en-US");
  if (r >= 10) return r.toFixed(0);
  if (r >= 1) return r.toFixed(1);
  return r.toFixed(2);
}

export async function writeChartPng(file, spec) {
  const { Resvg } = await import("@resvg/resvg-js");
  const svg = chartSvg(spec);
  const png = new Resvg(svg, {
    background: "#ffffff",
    fitTo: { mode: "zoom", value: 1.5 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
  writeFileSync(file, png);
}
