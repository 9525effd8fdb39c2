"""`mlops-audit fix`: plan and apply the remedies for an audit's findings, with the template's own files."""

# What `fix` can do for each rule (shown by `mlops-audit explain` and the rule pages). tests/test_fix.py checks
# that these are exactly the rules the planner resolves.
REMEDIES: dict[str, str] = {
    "REP004": "writes `.python-version` (the version your repository declares or its notebooks ran with)",
    "TST001": "writes `tests/test_smoke.py`: every source and notebook compiles, every module imports",
    "MOD005": "writes `params.yaml` with the literal hyper-parameters found in your training code",
    "AUT003": "writes `dvc.yaml` with a stage per training script, and the DVC set-up",
    "DAT003": "writes the DVC set-up (`.dvc/config`, `.dvcignore`)",
    "AUT001": "writes the template's CI workflow (GitHub Actions or GitLab CI) with tests and the audit gate",
    "DEP002": "writes the template's Dockerfile (pinned base, non-root) and `.dockerignore`",
    "DEP006": "writes the template's `.dockerignore` beside the Dockerfile",
    "DES002": "writes the template's `docs/design.md` to fill in",
    "GOV002": "writes the template's `MODEL_CARD.md` to fill in",
    "DAT001": "with --unsafe: moves the files to DVC (or Git LFS if you use it); they stay on disk",
    "MOD001": "with --unsafe: moves the files to DVC (or Git LFS if you use it); they stay on disk",
    "REP006": "with --unsafe: strips the outputs and execution counts",
    "REP007": "with --unsafe: strips the outputs and execution counts",
    "GOV001": "with --unsafe: replaces secrets in code and notebooks with `os.environ[...]`, untracks `.env` "
              "files, and lists every secret to rotate",
}
