// The report's stylesheet, inlined into the page. Category colours are chosen to stay apart for
// the common colour-vision deficiencies (green/red differ in lightness too) and in greyscale print;
// `unknown` is hatched so that missing data never looks like a state.
export const CATEGORY_COLORS = {
  running: '#2f9e44',
  idle: '#f1b70e',
  setup: '#4c6ef5',
  planned_stop: '#adb5bd',
  down: '#e03131',
  unknown: '#dee2e6',
} as const;

const c = CATEGORY_COLORS;
const hatch = `repeating-linear-gradient(135deg,${c.unknown} 0 4px,#f8f9fa 4px 8px)`;

export const REPORT_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f1f3f5;color:#212529;
font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans","Liberation Sans",Arial,sans-serif;
font-variant-numeric:tabular-nums}
.page-head{background:#1f2933;color:#f8f9fa;padding:18px 32px 16px}
.page-head h1{margin:2px 0 4px;font-size:22px;font-weight:650}
.page-head .muted{color:#ced4da}
.brand{font-size:11px;letter-spacing:.14em;text-transform:uppercase;color:#91a7ff;font-weight:700}
code{font:12px ui-monospace,"DejaVu Sans Mono",monospace;background:rgba(255,255,255,.12);padding:1px 4px;
border-radius:3px}
main{max-width:1280px;margin:0 auto;padding:8px 32px 40px}
.toc{max-width:1280px;margin:0 auto;padding:12px 32px 0}
.toc ul{list-style:none;margin:0;padding:0}
.toc li{margin:2px 0}
.toc a{color:#364fc7;margin-right:10px;text-decoration:none}
.plant-name{font-size:18px;margin:22px 0 6px;color:#495057;font-weight:600}
.shift{margin:0 0 34px}
.shift-head h2{margin:10px 0 0;font-size:20px}
.shift-id{font-size:13px;color:#868e96;font-weight:500;margin-left:6px}
.when{margin:2px 0 12px;color:#495057}
.note{background:#fff3bf;border:1px solid #ffe066;padding:6px 10px;border-radius:6px}
.badge{font-size:11px;text-transform:uppercase;letter-spacing:.05em;padding:2px 7px;border-radius:10px;
margin-left:8px;vertical-align:3px}
.badge.partial{background:#fff3bf;color:#8a6d00}
.muted{color:#868e96}
.tiles{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-bottom:12px}
.tile{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.tile-k{font-size:12px;color:#868e96;text-transform:uppercase;letter-spacing:.05em}
.tile-v{font-size:22px;font-weight:650;margin:2px 0}
.tile-s{font-size:12px;color:#495057}
.card{background:#fff;border-radius:8px;padding:14px 18px 16px;margin-bottom:12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card h3{margin:0 0 10px;font-size:15px}
.card-head{display:flex;justify-content:space-between;align-items:baseline;gap:16px;flex-wrap:wrap}
.legend{list-style:none;margin:0 0 8px;padding:0;display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:#495057}
.legend li{display:flex;align-items:center;gap:5px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:5px}
.legend .sw{margin-right:0}
.sw-running{background:${c.running}}.sw-idle{background:${c.idle}}.sw-setup{background:${c.setup}}
.sw-planned_stop{background:${c.planned_stop}}.sw-down{background:${c.down}}.sw-unknown{background:${hatch};
outline:1px solid #ced4da;outline-offset:-1px}
.timelines{display:flex;flex-direction:column;gap:6px}
.tl-row{display:grid;grid-template-columns:150px 1fr 110px;gap:12px;align-items:center}
.tl-name{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tl-bar{height:32px;border-radius:4px;overflow:hidden;background:${hatch}}
.timeline{display:block;width:100%;height:32px}
.iv-running{fill:${c.running}}.iv-idle{fill:${c.idle}}.iv-setup{fill:${c.setup}}
.iv-planned_stop{fill:${c.planned_stop}}.iv-down{fill:${c.down}}.iv-unknown{fill:transparent}
.iv:hover{opacity:.75}
.grid{stroke:#fff;stroke-opacity:.45;stroke-width:1;vector-effect:non-scaling-stroke;pointer-events:none}
.sep{stroke:#fff;stroke-width:1.5;vector-effect:non-scaling-stroke;pointer-events:none}
.tl-side{font-size:12px;color:#495057;line-height:1.3}
.tl-axis-row{margin-bottom:-2px}
.tl-axis{position:relative;height:16px;font-size:11px;color:#868e96}
.tl-axis span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.tl-axis .edge-l{transform:none}.tl-axis .edge-r{transform:translateX(-100%)}
.grid2{display:grid;grid-template-columns:3fr 2fr;gap:12px}
.grid2 .card{margin-bottom:12px}
.bar-chart{display:flex;flex-direction:column;gap:6px}
.bar-row{display:grid;grid-template-columns:170px 1fr 120px;gap:10px;align-items:center}
.bar-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar-track{height:16px;background:#f1f3f5;border-radius:3px;overflow:hidden}
.bar{height:100%;background:${c.down};border-radius:3px}
.bar-running{background:${c.running}}.bar-idle{background:${c.idle}}.bar-setup{background:${c.setup}}
.bar-planned_stop{background:${c.planned_stop}}.bar-down{background:${c.down}}.bar-unknown{background:${hatch}}
.bar-value{font-size:13px;white-space:nowrap}
.empty{color:#868e96;margin:0}
.table-wrap{overflow-x:auto}
table.figures{border-collapse:collapse;width:100%;font-size:13px}
.figures th,.figures td{padding:7px 10px;border-bottom:1px solid #e9ecef;text-align:left;vertical-align:top}
.figures thead th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#868e96;font-weight:600;
border-bottom:2px solid #dee2e6}
.figures tbody th{font-weight:600}
.figures .num{text-align:right;white-space:nowrap}
.figures .na{color:#adb5bd;font-style:italic}
.ratio span{display:block}
.meter{display:block;height:4px;background:#e9ecef;border-radius:2px;margin-top:3px;margin-left:auto;width:64px}
.meter b{display:block;height:100%;background:#5c7cfa;border-radius:2px}
.others{font-size:12px;color:#495057}
.status{font-size:12px;color:#2b8a3e;white-space:nowrap}
.status.partial{color:#8a6d00}
.foot{font-size:12px;color:#868e96;margin:10px 0 0}
@media (max-width:900px){.tiles{grid-template-columns:repeat(2,1fr)}.grid2{grid-template-columns:1fr}
.tl-row{grid-template-columns:100px 1fr}.tl-side{display:none}}
@media print{body{background:#fff}.card,.tile{box-shadow:none;border:1px solid #dee2e6}.shift{break-inside:avoid-page}
.toc{display:none}}
`
  .trim()
  .replace(/\n/g, '');
