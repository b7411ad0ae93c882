/**
 * The console's stylesheet. Colours keep a contrast of at least 4.5:1 on
 * their background (WCAG AA); every control shows its keyboard focus; tables
 * scroll sideways on a phone instead of squeezing.
 */
export const CONSOLE_STYLES = `
:root { --fg: #111827; --muted: #4b5563; --bg: #ffffff; --panel: #f3f4f6; --line: #d1d5db;
  --link: #1d4ed8; --accent: #1e40af; --danger: #b91c1c; --ok: #166534; --lag: #b45309; --rate: #1d4ed8; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 0.5rem; top: 0.5rem; background: var(--bg); padding: 0.5rem; z-index: 2; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; padding: 0.6rem 1rem; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.bar nav ol { display: flex; flex-wrap: wrap; gap: 0.4rem; list-style: none; margin: 0; padding: 0; }
.bar nav li + li::before { content: "›"; margin-right: 0.4rem; color: var(--muted); }
#sign-out { margin-left: auto; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
.links { display: flex; flex-wrap: wrap; gap: 1rem; margin-bottom: 0.5rem; }
.scroll { overflow-x: auto; }
.replica { display: block; }
.replica[data-state=lagging] { color: var(--danger); }
table { border-collapse: collapse; width: 100%; min-width: 32rem; }
caption { text-align: left; color: var(--muted); padding: 0.3rem 0; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; }
button { font: inherit; padding: 0.45rem 0.8rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); cursor: pointer; min-height: 2.5rem; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--danger); border-color: var(--danger); }
button.link { border: none; background: none; color: var(--link); text-decoration: underline; min-height: auto; }
button:disabled { color: #6b7280; cursor: not-allowed; }
input, select { font: inherit; padding: 0.4rem; border: 1px solid #6b7280; border-radius: 4px; min-height: 2.5rem; }
label { display: block; font-weight: 600; margin-bottom: 0.2rem; }
.card { max-width: 28rem; background: var(--panel); padding: 1rem; border-radius: 8px; }
.card input { width: 100%; }
form.inline { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.6rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.5rem 0; }
.pager { display: flex; align-items: center; gap: 0.8rem; margin: 0.6rem 0; }
.error { color: var(--danger); min-height: 1.2em; }
#status { position: fixed; bottom: 0; left: 0; right: 0; margin: 0; padding: 0.5rem 1rem; background: var(--fg); color: #fff; }
#status:empty { display: none; }
table.messages tr.msg { cursor: pointer; }
table.messages tr.msg:hover { background: var(--panel); }
table.messages tr.detail td { background: var(--panel); }
table.messages tbody { border-bottom: 1px solid var(--line); }
table.messages td, table.messages th { padding: 0.25rem 0.5rem; white-space: nowrap; }
table.messages tr.detail td { white-space: normal; }
table.messages button.link { padding: 0; min-height: 0; }
.meta { color: var(--muted); font-size: 0.9em; word-break: break-all; }
pre { margin: 0.3rem 0 0; padding: 0.4rem; background: var(--panel); overflow-x: auto; white-space: pre-wrap; word-break: break-word; max-height: 16rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
.chart svg { width: 100%; height: auto; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
.chart polyline { fill: none; stroke-width: 2; }
.chart .grid { stroke: #e5e7eb; }
.chart .axis { stroke: #6b7280; }
.chart .tick, .chart .unit { font-size: 11px; fill: var(--muted); }
.chart figcaption { font-weight: 600; margin-bottom: 0.3rem; }
.legend { list-style: none; padding: 0; margin: 0.3rem 0 0; display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; }
.legend .swatch { display: inline-block; width: 1.4rem; border-top: 3px solid; vertical-align: middle; margin-right: 0.3rem; }
.legend .value { font-variant-numeric: tabular-nums; color: var(--muted); }
.problem { border: 1px solid var(--danger); border-radius: 8px; padding: 0.5rem 1rem; }
form.settings .fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 0.4rem 1rem; }
form.settings .field input[type=text], form.settings textarea { width: 100%; }
form.settings .error { font-size: 0.9em; margin: 0.1rem 0 0; }
.saved { color: var(--ok); }
textarea { font: inherit; font-family: ui-monospace, monospace; padding: 0.4rem; border: 1px solid #6b7280; border-radius: 4px; }
figure { margin: 0; }
dialog { border: 1px solid var(--line); border-radius: 8px; max-width: 26rem; }
dialog::backdrop { background: rgb(0 0 0 / 0.4); }
@media (max-width: 40rem) { main { padding: 0.6rem; } table { min-width: 100%; font-size: 0.9rem; } }
`;
