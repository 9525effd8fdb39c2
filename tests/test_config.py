"""Configuration discovery and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlops_audit.config import ConfigError, discover, load_explicit
from repo_builder import audit, make_repo, status


def test_pyproject_section_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mlops-audit]\nselect = ["DAT"]\nignore = ["DAT002"]\nfail-on = "warning"\nmin-score = 50\n'
        'large-file-mb = 1.5\nexclude = ["vendor/**"]\ndata-extensions = ["dat", ".BIN2"]\n'
        '[tool.mlops-audit.per-path-ignores]\n"legacy/**" = ["DAT005"]\n'
    )
    cfg = discover(tmp_path)
    assert cfg.source == "pyproject.toml"
    assert cfg.select == ["DAT"]
    assert cfg.ignore == {"DAT002": "ignored in configuration"}
    assert (cfg.fail_on, cfg.min_score, cfg.large_file_mb) == ("warning", 50, 1.5)
    assert cfg.exclude == ["vendor/**"]
    assert cfg.data_extensions == [".dat", ".bin2"]
    assert cfg.per_path_ignores == {"legacy/**": ["DAT005"]}
    assert cfg.problems == []


def test_ignore_table_carries_reasons(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mlops-audit.ignore]\nMON004 = "alerts live in Datadog"\n')
    assert discover(tmp_path).ignore == {"MON004": "alerts live in Datadog"}


def test_dedicated_file_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mlops-audit]\nselect = ["DAT"]\n')
    (tmp_path / ".mlops-audit.toml").write_text('select = ["MOD"]\n')
    cfg = discover(tmp_path)
    assert cfg.select == ["MOD"] and cfg.source == ".mlops-audit.toml"


def test_no_config_is_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    cfg = discover(tmp_path)
    assert cfg.source is None and cfg.select is None and cfg.problems == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[tool.mlops-audit\n", "could not be parsed"),
        ('[tool.mlops-audit]\nfail-on = "often"\n', "fail-on"),
        ('[tool.mlops-audit]\nselect = 3\n', "select"),
        ('[tool.mlops-audit]\nlarge-file-mb = "big"\n', "large-file-mb"),
        ('[tool.mlops-audit]\nrules = "x"\n', "rules"),
        ('[tool.mlops-audit]\nper-path-ignores = 1\n', "per-path-ignores"),
        ('[tool]\nmlops-audit = 1\n', "must be a table"),
    ],
)
def test_bad_repository_config_becomes_a_problem(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    cfg = discover(tmp_path)
    assert cfg.problems and fragment in cfg.problems[0][1]
    assert cfg.select is None  # defaults, nothing half-applied


def test_symlinked_config_outside_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('[tool.mlops-audit]\nselect = ["DAT"]\n')
    root = tmp_path / "r"
    root.mkdir()
    (root / "pyproject.toml").symlink_to(outside)
    assert discover(root).select is None


def test_explicit_config(tmp_path: Path) -> None:
    f = tmp_path / "pyproject.toml"
    f.write_text('[tool.mlops-audit]\nselect = ["GOV"]\n')
    assert load_explicit(f).select == ["GOV"]
    g = tmp_path / "audit.toml"
    g.write_text('ignore = ["X"]\n')
    assert load_explicit(g).ignore == {"X": "ignored in configuration"}
    g.write_text('ignore = ["X"]\nbogus = 1\n')
    with pytest.raises(ConfigError, match=r"audit.toml: unknown key `bogus`"):
        load_explicit(g)  # a file named on the command line is read strictly, as the repository's is
    with pytest.raises(ConfigError, match="not found"):
        load_explicit(tmp_path / "missing.toml")
    g.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError):
        load_explicit(g)


def test_extend_select_adds_to_select(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "README.md": "x", "pyproject.toml": '[tool.mlops-audit]\nselect = ["DES"]\nextend-select = ["GOV003"]\n'})
    report = audit(root)
    assert {r.rule.id for r in report.results} == {"DES001", "DES002", "GOV003"}
    assert status(report, "DES001") == "pass"


# --------------------------------------------------------------------------- load: the command line's reading
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.mlops-audit]\nselectt = ["DAT"]\n', "unknown key `selectt` (did you mean `select`?)"),
        ('[tool.mlops-audit]\nexclud = ["x"]\n', "unknown key `exclud` (did you mean `exclude`?)"),
        ('[tool.mlops-audit]\ncolour = 1\n', "unknown key `colour`"),
        ('[tool.mlops-audit]\nfail-on = "often"\n', "`fail-on` must be one of error, warning, info, never"),
        ('[tool.mlops-audit]\nmin-score = 60.5\n', "`min-score` must be a whole number from 0 to 100 (got 60.5)"),
        ('[tool.mlops-audit]\nmin-score = true\n', "`min-score` must be a whole number"),
        ('[tool.mlops-audit]\nlarge-file-mb = -1\n', "`large-file-mb` must be a positive number"),
        ('[tool.mlops-audit]\nselect = 3\n', "`select` must be a list of strings (got 3)"),
        ('[tool.mlops-audit]\nrules = "x"\n', "`rules` must be an array of tables"),
        ('[[tool.mlops-audit.knowledge]]\ncapability = "tracking"\nimports = ["a"]\n',
         "[[tool.mlops-audit.knowledge]]: entry 1: tracking entry: `why` must say"),
    ],
)
def test_load_raises_one_line_naming_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    from mlops_audit.config import load

    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert str(info.value).startswith("pyproject.toml") or str(info.value).startswith(str(tmp_path))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_load_keeps_an_unreadable_file_a_finding_and_stops_there(tmp_path: Path) -> None:
    from mlops_audit.config import load

    repo = make_repo(tmp_path / "r", {"pyproject.toml": '[tool.mlops-audit]\nselect = ["DES"]\n',
                                      "sub/.mlops-audit.toml": "select = [\n"})
    cfg = load(repo / "sub", top=repo)
    assert cfg.select is None  # not the top's: the nearest file may have said otherwise
    assert cfg.problems and cfg.problems[0][0] == ".mlops-audit.toml" and "could not be parsed" in cfg.problems[0][1]


def test_load_reads_a_parent_config_and_names_it_relative_to_the_audited_folder(tmp_path: Path) -> None:
    from mlops_audit.config import load

    repo = make_repo(tmp_path / "r", {"pyproject.toml": '[project]\nname = "x"\n[tool.mlops-audit]\nmin-score = 5\n',
                                      "a/b/pyproject.toml": '[project]\nname = "b"\n', "a/b/x.py": "x = 1\n"})
    cfg = load(repo / "a" / "b", top=repo)
    assert cfg.min_score == 5 and cfg.source == "../../pyproject.toml"


def test_discover_stays_lenient_for_the_library(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mlops-audit]\nselectt = ["DAT"]\n')
    cfg = discover(tmp_path)
    assert cfg.problems == [("pyproject.toml", "unknown key `selectt` (did you mean `select`?)")]
