"""The fleet on the CI system an organisation already runs: the steps of the reusable GitHub workflow
(``.github/workflows/mlops-audit-fleet.yml``) and of the GitLab parent-child pipeline
(``ci/gitlab/mlops-audit-fleet.gitlab-ci.yml``) that need more than a command line, testable locally.

``python -m mlops_audit.fleet.ci github-matrix`` lists the repositories to audit and writes the matrix (``matrix``,
``count``) to ``$GITHUB_OUTPUT``; ``... gitlab-child FILE`` writes the child pipeline: one audit job per project,
then the fleet job; ``... gitlab-audit`` audits the project a child job cloned; ``... aggregate`` writes the fleet
report of the downloaded reports (both forges' final job). The repositories come from environment variables (the
workflow and the pipeline map their inputs onto them; no input is pasted into a script):
``MLOPS_AUDIT_REPOSITORIES`` (one ``owner/name`` per line, ``#`` comments, or a JSON list), else
``MLOPS_AUDIT_REPOSITORIES_FILE`` (a file in the same format), else every repository of ``MLOPS_AUDIT_ORGANISATION``
(GitHub: not archived, not forks; GitLab: the group's projects and its subgroups', not archived) read from the API
(``$GITHUB_API_URL`` / ``$CI_API_V4_URL``) with ``MLOPS_AUDIT_TOKEN`` (``GH_TOKEN`` / ``GITHUB_TOKEN`` on GitHub).
Every name is checked against the forge's naming rules before it reaches a matrix or a YAML file. A mistake is one
``::error::`` (GitHub) or one line (GitLab), exit code 2."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

GITHUB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
GITLAB_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$")
GITHUB_MATRIX_LIMIT = 256  # GitHub Actions: at most 256 jobs per matrix
PAGE = 100
MAX_PAGES = 100  # 10,000 repositories


class CIError(Exception):
    """A bad input or a failed listing: one line, exit code 2."""


def parse_list(text: str) -> list[str]:
    """Repositories from text: a JSON list of names, or one name per line (blank lines and ``#`` comments
    skipped); duplicates dropped, order kept."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError:
            raise CIError("the repository list starts with [ but is not a JSON list") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise CIError("the repository list must be a JSON list of strings")
        names = [i.strip() for i in items]
    else:
        names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return list(dict.fromkeys(n for n in names if n))


def _check(names: list[str], pattern: re.Pattern[str], forge: str) -> list[str]:
    from mlops_audit.safetext import escape

    for name in names:
        if not pattern.match(name) or ".." in name:
            raise CIError(f"not a {forge} repository name: {escape(name)!r} (expected owner/name)")
    return names


def _get(url: str, headers: dict[str, str]) -> Any:
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, urlopen

    request = Request(url, headers={"Accept": "application/json", "User-Agent": "mlops-audit-fleet", **headers})
    try:
        with urlopen(request, timeout=60) as response:  # the forge API, from the CI variables
            return json.loads(response.read().decode("utf-8"))
    except HTTPError as exc:
        raise CIError(f"{url.split('?')[0]}: HTTP {exc.code} {exc.reason}") from None
    except (URLError, OSError, ValueError) as exc:
        raise CIError(f"{url.split('?')[0]}: {getattr(exc, 'reason', exc)}") from None


def github_repositories(owner: str, env: Mapping[str, str]) -> list[str]:
    """Every repository of a GitHub organisation (or user), not archived and not a fork, by name."""
    from urllib.parse import quote

    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", owner):
        raise CIError(f"not a GitHub organisation name: {owner!r}")
    api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    token = env.get("MLOPS_AUDIT_TOKEN") or env.get("GH_TOKEN") or env.get("GITHUB_TOKEN") or ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    names: list[str] = []
    for kind in ("orgs", "users"):
        try:
            for page in range(1, MAX_PAGES + 1):
                items = _get(f"{api}/{kind}/{quote(owner)}/repos?per_page={PAGE}&page={page}&type=all", headers)
                if not isinstance(items, list):
                    raise CIError(f"{api}/{kind}/{owner}/repos: not a list of repositories")
                names += [i["full_name"] for i in items if isinstance(i, dict) and isinstance(i.get("full_name"), str)
                          and not i.get("archived") and not i.get("fork")]
                if len(items) < PAGE:
                    return names
            return names
        except CIError as exc:
            if kind == "users" or "HTTP 404" not in str(exc):
                raise
    return names  # pragma: no cover - the loop returns or raises


def gitlab_projects(group: str, env: Mapping[str, str]) -> list[str]:
    """Every project of a GitLab group and its subgroups, not archived, by path."""
    from urllib.parse import quote

    if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$", group) or ".." in group:
        raise CIError(f"not a GitLab group path: {group!r}")
    api = env.get("CI_API_V4_URL", "https://gitlab.com/api/v4").rstrip("/")
    token = env.get("MLOPS_AUDIT_TOKEN", "")
    headers = {"PRIVATE-TOKEN": token} if token else {}
    names: list[str] = []
    for page in range(1, MAX_PAGES + 1):
        items = _get(f"{api}/groups/{quote(group, safe='')}/projects?include_subgroups=true&archived=false"
                     f"&per_page={PAGE}&page={page}&order_by=path&sort=asc", headers)
        if not isinstance(items, list):
            raise CIError(f"{api}/groups/{group}/projects: not a list of projects")
        names += [i["path_with_namespace"] for i in items
                  if isinstance(i, dict) and isinstance(i.get("path_with_namespace"), str) and not i.get("archived")]
        if len(items) < PAGE:
            break
    return names


def repositories(env: Mapping[str, str], forge: str) -> list[str]:
    """The repositories to audit, from the inputs (see the module's documentation), checked."""
    text = env.get("MLOPS_AUDIT_REPOSITORIES", "")
    file = env.get("MLOPS_AUDIT_REPOSITORIES_FILE", "").strip()
    owner = env.get("MLOPS_AUDIT_ORGANISATION", "").strip()
    if text.strip():
        names = parse_list(text)
    elif file:
        try:
            names = parse_list(Path(file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CIError(f"repositories-file {file}: cannot be read ({getattr(exc, 'strerror', None) or exc})") \
                from None
    elif owner:
        names = github_repositories(owner, env) if forge == "github" else gitlab_projects(owner, env)
    else:
        raise CIError("no repositories: give a list, a file, or an organisation (group) to list")
    names = _check(names, GITHUB_NAME if forge == "github" else GITLAB_NAME, "GitHub" if forge == "github"
                   else "GitLab")
    if not names:
        raise CIError("the repository list is empty")
    return names


def slug(name: str) -> str:
    """A repository's name as a file or artifact name: ``owner/name`` -> ``owner__name``."""
    return name.replace("/", "__")


def github_matrix(env: Mapping[str, str]) -> dict[str, str]:
    """The list job's outputs: ``matrix`` (a JSON list of {repository, slug}) and ``count``."""
    names = repositories(env, "github")
    if len(names) > GITHUB_MATRIX_LIMIT:
        raise CIError(f"{len(names)} repositories: a GitHub matrix runs at most {GITHUB_MATRIX_LIMIT} jobs; call "
                      "the workflow once per part of the list")
    matrix = [{"repository": n, "slug": slug(n)} for n in names]
    return {"matrix": json.dumps(matrix, separators=(",", ":")), "count": str(len(names))}


# The child job's clone, in its script as a runner's own checkout would be (GitLab clones only the pipeline's own
# project): the whole history (for the history rules), no template hooks (--template=), no submodules, never a
# prompt; the token goes in an HTTP header passed through git's environment (GIT_CONFIG_*, not the command line
# nor the URL, so it is neither in the process list nor in the clone's configuration).
CLONE = (
    'if [ -n "${MLOPS_AUDIT_TOKEN:-}" ]; then who=oauth2; key="$MLOPS_AUDIT_TOKEN"; '
    'else who=gitlab-ci-token; key="${CI_JOB_TOKEN:-}"; fi',
    'export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader '
    'GIT_CONFIG_VALUE_0="Authorization: Basic $(printf \'%s:%s\' "$who" "$key" | base64 | tr -d \'\\n\')"',
    'git clone --quiet --template= --no-recurse-submodules "$CI_SERVER_URL/$MLOPS_AUDIT_PROJECT.git" '
    '"checkouts/$MLOPS_AUDIT_PROJECT" || { echo "mlops-audit: error: $MLOPS_AUDIT_PROJECT: could not be cloned '
    'from $CI_SERVER_URL" >&2; exit 2; }',
    "unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0 who key",
)

CHILD_HEADER = """\
# Generated by `python -m mlops_audit.fleet.ci gitlab-child` for the mlops-audit fleet: one audit job per
# project (stage fleet-audit), then the fleet report (stage fleet-report, with every audit's artifacts).
"""


def gitlab_child(env: Mapping[str, str]) -> str:
    """The child pipeline: one ``audit <project>`` job per project, then ``mlops-audit-fleet``. Values are
    written as JSON strings (valid YAML, nothing in a name can start YAML syntax), and only names that passed
    :data:`GITLAB_NAME`."""
    names = repositories(env, "gitlab")
    image = env.get("MLOPS_AUDIT_IMAGE", "").strip() or "python:3.11-slim"
    version = env.get("MLOPS_AUDIT_VERSION", "").strip() or "mlops-audit"
    previous = env.get("MLOPS_AUDIT_PREVIOUS", "").strip()
    q = json.dumps
    lines = [CHILD_HEADER, "stages: [fleet-audit, fleet-report]", "", ".mlops-audit-fleet-audit:",
             "  stage: fleet-audit", f"  image: {q(image)}", "  variables:", '    GIT_STRATEGY: "none"',
             f"    MLOPS_AUDIT_VERSION: {q(version)}", "  before_script:",
             "    - command -v git >/dev/null || { apt-get update -qq && apt-get install -y -qq "
             "--no-install-recommends git >/dev/null; }",
             '    - python -m pip install --quiet --disable-pip-version-check "$MLOPS_AUDIT_VERSION"',
             "  script:", *(f"    - {q(line)}" for line in CLONE), '    - python -m mlops_audit.fleet.ci gitlab-audit',
             "  artifacts:", "    when: always", "    expire_in: 30 days", "    paths: [reports/]", ""]
    for name in names:
        lines += [f"{q('audit ' + name)}:", "  extends: .mlops-audit-fleet-audit", "  variables:",
                  f"    MLOPS_AUDIT_PROJECT: {q(name)}", ""]
    lines += ["mlops-audit-fleet:", "  stage: fleet-report", f"  image: {q(image)}", "  when: always",
              "  variables:", f"    MLOPS_AUDIT_VERSION: {q(version)}",
              f"    MLOPS_AUDIT_PREVIOUS: {q(previous)}", "  before_script:",
              '    - python -m pip install --quiet --disable-pip-version-check "$MLOPS_AUDIT_VERSION"',
              "  script:", "    - python -m mlops_audit.fleet.ci aggregate",
              "  artifacts:", "    when: always", "    expire_in: 90 days", "    expose_as: mlops-audit fleet report",
              "    paths: [mlops-audit-fleet/]", ""]
    return "\n".join(lines)


def _run(args: list[str], env: Mapping[str, str]) -> int:
    import subprocess

    return subprocess.run(args, env=dict(env), check=False).returncode


def gitlab_audit(env: Mapping[str, str]) -> int:
    """One child job, after its script cloned the project into ``checkouts/GROUP/PROJECT`` (see :data:`CLONE`):
    audit it to JSON and HTML in ``reports/`` (the audit never runs the repository's own git configuration,
    hooks or filters, nor anything of its code)."""
    name = env.get("MLOPS_AUDIT_PROJECT", "")
    _check([name], GITLAB_NAME, "GitLab")
    target = Path("checkouts") / name
    if not target.is_dir():
        raise CIError(f"{name}: no checkout in {target}")
    Path("reports").mkdir(exist_ok=True)
    base = Path("reports") / slug(name)
    for fmt in ("json", "html"):
        code = _run([sys.executable, "-m", "mlops_audit", str(target), "--format", fmt, "--output",
                     f"{base}.{fmt}", "--exit-zero", "--no-color"], env)
        if code != 0:
            raise CIError(f"{name}: the audit failed (exit code {code})")
    return 0


def aggregate(env: Mapping[str, str]) -> int:
    """The fleet job: the fleet report in HTML (``index.html``), JSON and Markdown in ``mlops-audit-fleet/``,
    every repository's own reports beside it in ``mlops-audit-fleet/reports/`` (the links are relative); on
    GitHub, the Markdown goes to the job summary and ``repositories``, ``mean-score`` and ``mixed`` to the step
    outputs. The exit code is the fleet command's (2: no report at all)."""
    import shutil

    from mlops_audit.fleet.command import run_fleet

    out = Path(env.get("MLOPS_AUDIT_FLEET_DIR", "") or "mlops-audit-fleet")
    source = Path(env.get("MLOPS_AUDIT_REPORTS_DIR", "") or "reports")
    if not source.is_dir():
        raise CIError(f"no reports: {source}/ is missing (did every audit job fail?)")
    (out / "reports").mkdir(parents=True, exist_ok=True)
    for file in sorted(source.iterdir()):
        if file.suffix in (".json", ".html") and file.is_file():
            shutil.copyfile(file, out / "reports" / file.name)
    previous = env.get("MLOPS_AUDIT_PREVIOUS", "").strip()
    prev = Path(previous) if previous else None
    for fmt, name in (("json", "fleet.json"), ("html", "index.html"), ("markdown", "fleet.md")):
        code = run_fleet([str(out / "reports")], fmt=fmt, output=out / name, previous=prev)
        if code != 0:
            return code
    summary = env.get("GITHUB_STEP_SUMMARY", "")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write((out / "fleet.md").read_text(encoding="utf-8")[:1_000_000])
    doc = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    _write_outputs({"repositories": str(doc["summary"]["repositories"]),
                    "mean-score": str(doc["summary"]["score"]["mean"]),
                    "mixed": "true" if doc["versions"]["mixed"] else "false"}, env, quiet=True)
    return 0


def _write_outputs(outputs: dict[str, str], env: Mapping[str, str], *, quiet: bool = False) -> None:
    """Step outputs to ``$GITHUB_OUTPUT`` (elsewhere: on stdout, unless ``quiet``)."""
    path = env.get("GITHUB_OUTPUT", "")
    text = "".join(f"{k}={v}\n" for k, v in outputs.items())
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    elif not quiet:
        sys.stdout.write(text)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    environ = os.environ if env is None else env
    github = "GITHUB_ACTIONS" in environ
    try:
        if args == ["github-matrix"]:
            outputs = github_matrix(environ)
            _write_outputs(outputs, environ)
            print(f"mlops-audit fleet: {outputs['count']} repositories to audit")
            return 0
        if len(args) == 2 and args[0] == "gitlab-child":
            text = gitlab_child(environ)
            Path(args[1]).write_text(text, encoding="utf-8")
            jobs = sum(line.startswith('"audit ') for line in text.splitlines())
            print(f"mlops-audit fleet: {jobs} projects to audit, in {args[1]}")
            return 0
        if args == ["gitlab-audit"]:
            return gitlab_audit(environ)
        if args == ["aggregate"]:
            return aggregate(environ)
        raise CIError("usage: python -m mlops_audit.fleet.ci github-matrix | gitlab-child FILE | gitlab-audit | "
                      "aggregate")
    except CIError as exc:
        from mlops_audit.models import shown

        print(f"::error::{shown(str(exc))}" if github else f"mlops-audit: error: {shown(str(exc))}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
