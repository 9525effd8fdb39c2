"""The fleet report as one self-contained HTML file: no external asset, no network, one small inline script.

It shows the level distribution, the rules failing in the most repositories (with what ``mlops-audit fix`` can
do), what moved since a previous fleet report, and the repositories x pillars heat map, which is also the
table of repositories (score, level, top findings, link to each one's own report). The first page of that table
is written in the HTML (readable without JavaScript); the script pages, sorts and filters all of it, client
side, from the rows embedded as JSON (10,000 rows are a few MB and stay responsive: only one page is in the
DOM at a time).

Every text from a report is untrusted: written into the HTML through :func:`mlops_audit.reporters.html.escape`
(entities and visible control characters), put into the page by the script only as ``textContent``, and
embedded as JSON with ``<``, ``>`` and ``&`` as ``\\u`` escapes so it cannot close the ``<script>`` element.
A Content-Security-Policy allows no source at all but the inline style and this exact script (by its hash):
markup that slipped through anyway could run nothing and load nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from mlops_audit.models import PILLARS
from mlops_audit.scoring import LEVEL_NAMES

PAGE = 50
RULES = 25

CSS = """
:root{--line:#ddd;--muted:#666}*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222}
main{max-width:1280px;margin:0 auto;padding:24px}h1{margin:0 0 4px;font-size:26px}
h2{margin-top:28px;border-bottom:2px solid var(--line);padding-bottom:4px}.muted{color:var(--muted)}
.cards{display:flex;gap:14px;flex-wrap:wrap;margin:14px 0}.card{border:1px solid var(--line);border-radius:8px;
padding:10px 16px;min-width:150px}.big{font-size:30px;font-weight:700}
.warn{border:2px solid #e08600;background:#fff8e1;border-radius:8px;padding:8px 14px;margin:14px 0}
table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;text-align:left;border-bottom:1px solid var(--line);
vertical-align:top}th{background:#fafafa;position:sticky;top:0}th.s{cursor:pointer;user-select:none}
td.n,th.n{text-align:right}.bar{height:14px;background:#1565c0;border-radius:3px;display:inline-block}
.lv{display:flex;align-items:center;gap:8px;margin:3px 0}.lv span:first-child{width:300px}
.hm td.p{text-align:center;font-size:12px;width:56px;color:#111}.h0{background:#ef9a9a}.h1{background:#ffcc80}
.h2{background:#fff59d}.h3{background:#c5e1a5}.h4{background:#81c784}.na{background:#f3f3f3;color:#999!important}
.flag{color:#b26a00;font-weight:700;cursor:help}
.note{display:inline-block;width:15px;height:15px;border-radius:50%;background:#90a4ae;color:#fff;
font:700 11px/15px serif;text-align:center;margin-left:4px}
.pager{display:flex;gap:10px;align-items:center;margin:8px 0}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.legend span{display:inline-block;padding:1px 8px;margin-right:4px;border-radius:3px;font-size:12px}
@media print{.pager{display:none}th{position:static}}
"""

# pages, sorts and filters the embedded rows; every value goes into the page as textContent, never as markup
SCRIPT = """
(function(){
var D=JSON.parse(document.getElementById('fleet-rows').textContent),P=D.pillars,R=D.rows;
var tb=document.getElementById('rows'),info=document.getElementById('page-info'),q=document.getElementById('filter');
var sz=document.getElementById('page-size'),page=0,view=R.slice(),key=1,dir=1;
function heat(s){return s===null?'na':s>=80?'h4':s>=60?'h3':s>=40?'h2':s>=20?'h1':'h0';}
function td(tr,t,c){var e=document.createElement('td');e.textContent=t;if(c)e.className=c;tr.appendChild(e);return e;}
function val(r,k){return k<3?r[k]:r[3][k-3];}
function sort(){view.sort(function(a,b){var x=val(a,key),y=val(b,key);if(x===y)return a[0]<b[0]?-1:1;
if(x===null)return 1;if(y===null)return -1;return (x<y?-1:1)*dir;});}
function draw(){var n=+sz.value,pages=Math.max(1,Math.ceil(view.length/n));page=Math.min(page,pages-1);
var f=document.createDocumentFragment();view.slice(page*n,page*n+n).forEach(function(r){
var tr=document.createElement('tr'),c=td(tr,'');if(r[5]){var a=document.createElement('a');a.href=r[5];
a.textContent=r[0];c.appendChild(a);}else{c.textContent=r[0];}
if(r[6]){var w=document.createElement('span');w.className='flag';w.title=r[6];w.textContent=r[7]?' \\u26a0':'i';
if(!r[7])w.className='flag note';
c.appendChild(w);}
td(tr,r[1],'n');td(tr,r[2]<0?'n/a':r[2],'n');r[3].forEach(function(s){td(tr,s===null?'-':s,'p '+heat(s));});
td(tr,r[4]);f.appendChild(tr);});
tb.textContent='';tb.appendChild(f);
info.textContent='page '+(page+1)+' of '+pages+' \\u00b7 '+view.length+' of '+R.length+' repositories';}
function filter(){var t=q.value.toLowerCase();view=t?R.filter(function(r){return r[0].toLowerCase().indexOf(t)>=0||
r[4].toLowerCase().indexOf(t)>=0;}):R.slice();sort();page=0;draw();}
document.getElementById('prev').onclick=function(){if(page>0){page--;draw();}};
document.getElementById('next').onclick=function(){page++;draw();};
sz.onchange=function(){page=0;draw();};q.oninput=filter;
Array.prototype.forEach.call(document.querySelectorAll('th.s'),function(th){th.onclick=function(){
var k=+th.getAttribute('data-k');dir=k===key?-dir:1;key=k;sort();page=0;draw();};});
document.getElementById('pager').hidden=false;sort();draw();
})();
"""


def escape(text: str) -> str:
    from mlops_audit.reporters.html import escape as escape_html

    return escape_html(text)


def _script_json(value: Any) -> str:
    """JSON fit to sit inside ``<script type="application/json">``: nothing in it can end the element or open a
    comment, and every control character is a ``\\u`` escape."""
    from mlops_audit.safetext import json_text

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json_text(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _heat(score: int | None) -> str:
    if score is None:
        return "na"
    return "h4" if score >= 80 else "h3" if score >= 60 else "h2" if score >= 40 else "h1" if score >= 20 else "h0"


def _flags(repo: dict[str, Any]) -> str:
    return "; ".join(repo["flags"])


def _top(repo: dict[str, Any]) -> str:
    return ", ".join(f"{t['rule']} ({t['places']})" for t in repo["top"]) or "none"


def _rows(repos: list[dict[str, Any]]) -> list[list[Any]]:
    """The table's rows, as the script reads them: [name, score, level (-1: not assessed), pillar scores, top
    findings, link, flags, whether they warn]. Text from the reports has its control characters as visible
    escapes already here (a bidi override would otherwise reorder what the browser shows, the script putting it
    in as text)."""
    from mlops_audit.safetext import escape as visible

    return [[visible(r["name"]), r["score"], r["level"] if r["level_assessed"] else -1,
             [r["pillars"][p] for p in PILLARS], visible(_top(r)), r["report"] and visible(r["report"]),
             visible(_flags(r)), _warns(r)] for r in repos]


def _warns(repo: dict[str, Any]) -> bool:
    """Whether the repository's flags say its report is not comparable (another tool version or catalogue), not
    only a note (custom rules, a level not assessed)."""
    return any(f.startswith(("mlops-audit ", "catalogue ")) for f in repo["flags"])


def _row_html(row: list[Any]) -> str:
    name = escape(row[0])
    cell = f'<a href="{escape(row[5])}">{name}</a>' if row[5] else name
    if row[6]:
        mark = '<span class="flag"' if row[7] else '<span class="flag note"'
        cell += f' {mark} title="{escape(row[6])}">{"&#9888;" if row[7] else "i"}</span>'
    pillars = "".join(f'<td class="p {_heat(s)}">{"-" if s is None else s}</td>' for s in row[3])
    level = "n/a" if row[2] < 0 else row[2]
    return (f'<tr><td>{cell}</td><td class="n">{row[1]}</td><td class="n">{level}</td>{pillars}'
            f"<td>{escape(row[4])}</td></tr>")


def _levels(doc: dict[str, Any]) -> str:
    levels, n = doc["summary"]["levels"], max(1, doc["summary"]["repositories"])
    parts = []
    for key in ("0", "1", "2", "3", "not_assessed"):
        if key == "not_assessed" and not levels[key]:
            continue
        label = f"Level {key}: {LEVEL_NAMES[int(key)]}" if key != "not_assessed" else "Level not assessed"
        width = 600 * levels[key] / n
        parts.append(f'<div class="lv"><span>{escape(label)}</span><span class="bar" style="width:{width:.1f}px">'
                     f'</span><span>{levels[key]} ({100 * levels[key] / n:.0f}%)</span></div>')
    return "".join(parts)


def _rules(doc: dict[str, Any]) -> str:
    fix = doc["fix"]
    head = ""
    if fix["failures"]:
        unsafe = f" ({fix['unsafe']} of them with <code>--unsafe</code>)" if fix["unsafe"] else ""
        head = (f"<p><code>mlops-audit fix</code> has a remedy for {fix['fixable']} of the {fix['failures']} rule "
                f"failures{unsafe}, in {fix['repositories']} repositories.</p>")
    n = max(1, doc["summary"]["repositories"])
    rows = []
    for rule in doc["rules"][:RULES]:
        how = f"<code>mlops-audit {escape(rule['fix'])}</code>" if rule["fix"] else "by hand"
        custom = ' <span class="muted">(custom)</span>' if rule["custom"] else ""
        rows.append(f"<tr><td><code>{escape(rule['id'])}</code></td><td>{escape(rule['title'])}{custom}</td>"
                    f"<td>{escape(rule['severity'])}</td><td class=n>{rule['level']}</td>"
                    f'<td class=n>{rule["repositories"]}</td><td><span class="bar" '
                    f'style="width:{160 * rule["repositories"] / n:.1f}px"></span></td>'
                    f"<td class=n>{rule['places']}</td><td>{how}</td></tr>")
    more = (f'<p class="muted">{len(doc["rules"]) - RULES} more failing rules in the JSON report.</p>'
            if len(doc["rules"]) > RULES else "")
    return (head + "<table><tr><th>Rule</th><th>Title</th><th>Severity</th><th class=n>Blocks level</th>"
            "<th class=n>Repositories</th><th></th><th class=n>Places</th><th>Fix</th></tr>" + "".join(rows)
            + "</table>" + more)


def _versions(doc: dict[str, Any]) -> str:
    v = doc["versions"]
    if not v["mixed"]:
        return ""
    ref = v["reference"]
    items = [f"<li>mlops-audit {escape(t)}: {c} report(s)</li>" for t, c in v["tools"].items() if t != ref["tool"]]
    for cat in v["catalogues"]:
        what = "; ".join(p for p in (f"lacks {', '.join(cat['removed'])}" if cat["removed"] else "",
                                     f"defines differently {', '.join(cat['changed'])}" if cat["changed"] else "")
                         if p)
        items.append(f"<li>catalogue <code>{escape(cat['catalogue'])}</code> ({cat['reports']} report(s)): "
                     f"{escape(what)}</li>")
    return (f'<div class="warn"><b>Mixed versions.</b> {v["reports_not_matching"]} of '
            f'{doc["summary"]["repositories"]} reports were not made with mlops-audit {escape(ref["tool"])} and its '
            f"catalogue <code>{escape(ref['catalogue'])}</code> (what most reports use): their scores and levels "
            f"are not comparable one to one; they are marked &#9888; in the table.<ul>{''.join(items)}</ul></div>")


def _moved(doc: dict[str, Any]) -> str:
    m = doc["moved"]
    if m is None:
        return ""

    def changes(items: list[dict[str, Any]], limit: int = 50) -> str:
        text = ", ".join(f"{r['repository']} ({r['from']} → {r['to']})" for r in items[:limit])
        return escape(text + (f" and {len(items) - limit} more" if len(items) > limit else ""))

    new = m["new_failures"]
    new_text = escape("; ".join(f"{x['repository']}: {', '.join(x['rules'])}" for x in new[:50])
                      + (f" and {len(new) - 50} more" if len(new) > 50 else ""))
    prev = m["previous"]
    return (f"<h2>What moved</h2><p>Since the previous fleet report ({prev['repositories']} repositories, mean "
            f"score {escape(str(prev['score_mean']))}):</p><ul>"
            f"<li><b>{len(m['level_up'])} level(s) up</b>{': ' + changes(m['level_up']) if m['level_up'] else ''}"
            f"</li><li><b>{len(m['level_down'])} level(s) down</b>"
            f"{': ' + changes(m['level_down']) if m['level_down'] else ''}</li>"
            f"<li><b>{sum(len(x['rules']) for x in new)} new failure(s)</b> in {len(new)} "
            f"repositor{'y' if len(new) == 1 else 'ies'}"
            f"{': ' + new_text if new else ''}</li>"
            f"<li>{sum(len(x['rules']) for x in m['resolved'])} failure(s) resolved in {len(m['resolved'])} "
            f"repositor{'y' if len(m['resolved']) == 1 else 'ies'}</li>"
            f"<li>{len(m['added'])} repositories added, {len(m['removed'])} gone</li></ul>")


def _skipped(doc: dict[str, Any]) -> str:
    if not doc["skipped"]:
        return ""
    items = "".join(f"<li><code>{escape(s['source'])}</code>: {escape(s['reason'])}</li>" for s in doc["skipped"])
    return f"<h2>Inputs skipped</h2><ul>{items}</ul>"


def render_html(doc: dict[str, Any], *, page: int = PAGE) -> str:
    summary = doc["summary"]
    score = summary["score"]
    repos = sorted(doc["repositories"], key=lambda r: (r["score"], r["name"]))
    rows = _rows(repos)
    first = "".join(_row_html(r) for r in rows[:page])
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; base-uri 'none'; "
           "form-action 'none'")
    heads = "".join(f'<th class="s" data-k="{3 + i}" title="{escape(p)}">{escape(p[:5])}</th>'
                    for i, p in enumerate(PILLARS))
    findings = summary["findings"]
    sizes = "".join(f'<option{" selected" if s == page else ""}>{s}</option>' for s in (25, 50, 100, 500))
    legend = "".join(f'<span class="{c}">{t}</span>' for c, t in (("h0", "0-19"), ("h1", "20-39"), ("h2", "40-59"),
                                                                   ("h3", "60-79"), ("h4", "80-100"),
                                                                   ("na", "not applicable")))
    mean = "-" if score["mean"] is None else score["mean"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="generator" content="mlops-audit {escape(doc['tool']['version'])}; fleet schema {doc['schema_version']}">
<title>mlops-audit fleet report: {summary['repositories']} repositories</title><style>{CSS}</style></head>
<body><main>
<h1>mlops-audit fleet report</h1>
<div class="muted">{summary['repositories']} repositories · mlops-audit {escape(doc['tool']['version'])}</div>
<div class="cards">
<div class="card"><div class="muted">Repositories</div><div class="big">{summary['repositories']}</div></div>
<div class="card"><div class="muted">Mean score</div><div class="big">{mean}</div>
<div class="muted">median {score['median']}, {score['min']}-{score['max']}</div></div>
<div class="card"><div class="muted">Findings</div><div class="big">{findings['findings']}</div>
<div class="muted">{findings['error']} error · {findings['warning']} warning · {findings['info']} info</div></div>
<div class="card"><div class="muted">fix can resolve</div><div class="big">{doc['fix']['fixable']}</div>
<div class="muted">of {doc['fix']['failures']} rule failures</div></div>
</div>
{_versions(doc)}
<h2>Maturity levels</h2>
{_levels(doc)}
{_moved(doc)}
<h2>Rules failing in the most repositories</h2>
{_rules(doc)}
<h2>Repositories by pillar</h2>
<p class="legend">Pillar score: {legend} · click a heading to sort</p>
<div class="pager" id="pager" hidden><button id="prev" type="button">&#8249; previous</button>
<button id="next" type="button">next &#8250;</button><select id="page-size" aria-label="rows per page">{sizes}</select>
<input id="filter" type="search" placeholder="filter by name or rule" aria-label="filter">
<span id="page-info"></span></div>
<table class="hm"><thead><tr><th class="s" data-k="0">Repository</th><th class="s n" data-k="1">Score</th>
<th class="s n" data-k="2">Level</th>{heads}<th>Top findings</th></tr></thead>
<tbody id="rows">{first}</tbody></table>
<noscript><p class="muted">The {min(page, len(rows))} lowest scores of {len(rows)}; every repository is in the JSON
report.</p></noscript>
{_skipped(doc)}
</main>
<script type="application/json" id="fleet-rows">{_script_json({"pillars": list(PILLARS), "rows": rows})}</script>
<script>{SCRIPT}</script>
</body></html>
"""
