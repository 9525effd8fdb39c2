"""The fleet report in Markdown, for an issue or a wiki page.

Everything that comes from a report (repository names and roots, rule titles of custom rules, tool versions)
is untrusted: it goes through :func:`mlops_audit.reporters.markdown.text` or ``code`` (no table broken, no
link, HTML or code span opened). Rule IDs and numbers are checked by the reader or computed here. The
repositories table lists the lowest scores first, at most ``rows`` of them (a GitHub issue holds 65,536
characters); the JSON and HTML reports have them all."""

from __future__ import annotations

from typing import Any

from mlops_audit.models import PILLARS
from mlops_audit.scoring import LEVEL_NAMES

ROWS = 100
RULES = 20


def _fix(value: str | None) -> str:
    return f"`mlops-audit {value}`" if value else "by hand"


def _versions(doc: dict[str, Any], text: Any) -> list[str]:
    versions = doc["versions"]
    if not versions["mixed"]:
        return []
    ref = versions["reference"]
    lines = [f"> **Warning: mixed versions.** {versions['reports_not_matching']} of "
             f"{doc['summary']['repositories']} reports were not made with mlops-audit {text(ref['tool'])} and its "
             f"catalogue `{ref['catalogue']}` (what most reports use): their scores and levels are not comparable "
             "one to one. They are marked ⚠ below.", ">"]
    for tool, count in versions["tools"].items():
        if tool != ref["tool"]:
            lines.append(f"> - mlops-audit {text(tool)}: {count} report(s)")
    for cat in versions["catalogues"]:
        parts = [f"lacks {', '.join(cat['removed'])}" if cat["removed"] else "",
                 f"defines differently {', '.join(cat['changed'])}" if cat["changed"] else ""]
        lines.append(f"> - catalogue `{cat['catalogue']}` ({cat['reports']} report(s)): "
                     + "; ".join(text(p) for p in parts if p))
    return [*lines, ""]


def render_markdown(doc: dict[str, Any], *, rows: int = ROWS) -> str:
    from mlops_audit.reporters.markdown import code, text

    summary = doc["summary"]
    score = summary["score"]
    n = summary["repositories"]
    out = ["# mlops-audit fleet report", ""]
    if n:
        out.append(f"**{n} repositories** · mean score **{score['mean']}** (median {score['median']}, "
                   f"{score['min']}-{score['max']}) · {summary['findings']['findings']} findings "
                   f"({summary['findings']['error']} error, {summary['findings']['warning']} warning, "
                   f"{summary['findings']['info']} info)")
    else:
        out.append("**No repository report was read.**")
    out += ["", *_versions(doc, text)]
    levels = summary["levels"]
    out += ["## Maturity levels", "", "| Level | Repositories | Share |", "| --- | ---: | ---: |"]
    for key in ("0", "1", "2", "3", "not_assessed"):
        label = f"{key} ({LEVEL_NAMES[int(key)]})" if key != "not_assessed" else "not assessed"
        if key == "not_assessed" and not levels[key]:
            continue
        share = f"{100 * levels[key] / n:.0f}%" if n else "-"
        out.append(f"| {label} | {levels[key]} | {share} |")
    out += ["", "## Pillars", "", "| Pillar | Mean score | Repositories assessed | Below 50 |",
            "| --- | ---: | ---: | ---: |"]
    for pillar in PILLARS:
        p = doc["pillars"][pillar]
        out.append(f"| {pillar} | {'-' if p['mean'] is None else p['mean']} | {p['repositories']} | "
                   f"{p['below_50']} |")
    fix = doc["fix"]
    out += ["", "## Rules failing in the most repositories", ""]
    if fix["failures"]:
        unsafe = f" ({fix['unsafe']} of them with `--unsafe`)" if fix["unsafe"] else ""
        out += [f"`mlops-audit fix` has a remedy for {fix['fixable']} of the {fix['failures']} rule failures"
                f"{unsafe}, in {fix['repositories']} repositories.", ""]
    out += ["| Rule | Title | Severity | Blocks level | Repositories | Places | Fix |",
            "| --- | --- | --- | ---: | ---: | ---: | --- |"]
    for rule in doc["rules"][:RULES]:
        custom = " (custom)" if rule["custom"] else ""
        out.append(f"| {code(rule['id'])} | {text(rule['title'])}{custom} | {rule['severity']} | {rule['level']} | "
                   f"{rule['repositories']} | {rule['places']} | {_fix(rule['fix'])} |")
    if len(doc["rules"]) > RULES:
        out.append(f"\n{len(doc['rules']) - RULES} more failing rules in the JSON and HTML reports.")
    if doc["moved"] is not None:
        out += _moved(doc["moved"], text)
    repos = sorted(doc["repositories"], key=lambda r: (r["score"], r["name"]))
    shown = repos if rows <= 0 else repos[:rows]
    out += ["", "## Repositories", ""]
    if len(shown) < len(repos):
        out += [f"The {len(shown)} lowest scores of {len(repos)}; every repository is in the JSON and HTML reports.",
                ""]
    out += ["| Repository | Score | Level | Top findings | Report |", "| --- | ---: | --- | --- | --- |"]
    for r in shown:
        level = str(r["level"]) if r["level_assessed"] else "not assessed"
        top = ", ".join(f"{text(t['rule'])} ({t['places']})" for t in r["top"]) or "none"
        link = f"[report]({text(r['report'])})" if r["report"] else ""
        warns = any(f.startswith(("mlops-audit ", "catalogue ")) for f in r["flags"])
        notes = text("; ".join(r["flags"]))
        flag = (f" ⚠ {notes}" if warns else f" ({notes})") if r["flags"] else ""  # a note only: no warning sign
        out.append(f"| {code(r['name'])}{flag} | {r['score']} | {level} | {top} | {link} |")
    if doc["skipped"]:
        out += ["", "## Inputs skipped", ""]
        out += [f"- {code(s['source'])}: {text(s['reason'])}" for s in doc["skipped"]]
    return "\n".join(out) + "\n"


def _repos(n: int) -> str:
    return f"{n} repositor{'y' if n == 1 else 'ies'}"


def _moved(moved: dict[str, Any], text: Any) -> list[str]:
    def names(items: list[dict[str, Any]]) -> str:
        return ", ".join(f"{text(m['repository'])} ({m['from']} → {m['to']})" for m in items[:30]) + (
            f" and {len(items) - 30} more" if len(items) > 30 else "")

    prev = moved["previous"]
    out = ["", "## What moved", "", f"Since the previous fleet report ({prev['repositories']} repositories, mean "
           f"score {prev['score_mean']}):", ""]
    out.append(f"- **{len(moved['level_up'])} level(s) up**" + (f": {names(moved['level_up'])}"
                                                               if moved["level_up"] else ""))
    out.append(f"- **{len(moved['level_down'])} level(s) down**" + (f": {names(moved['level_down'])}"
                                                                   if moved["level_down"] else ""))
    new = moved["new_failures"]
    out.append(f"- **{sum(len(m['rules']) for m in new)} new failure(s)** in {_repos(len(new))}" + (
        ": " + "; ".join(f"{text(m['repository'])}: {', '.join(text(r) for r in m['rules'])}" for m in new[:30])
        if new else ""))
    resolved = moved["resolved"]
    out.append(f"- {sum(len(m['rules']) for m in resolved)} failure(s) resolved in {_repos(len(resolved))}")
    if moved["scores"]:
        out.append("- Scores, largest changes first: " + names(moved["scores"][:10]))
    if moved["added"] or moved["removed"]:
        out.append(f"- {len(moved['added'])} repositories added, {len(moved['removed'])} gone: "
                   + text(", ".join([*moved["added"][:20], *(f"-{r}" for r in moved["removed"][:20])])))
    if moved["rules"]:
        out.append("- Rules: " + ", ".join(f"{text(m['id'])} {m['from']} → {m['to']}" for m in moved["rules"][:10]))
    return out
