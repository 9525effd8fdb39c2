"""Dockerfiles parsed as text: stages, base images, USER and HEALTHCHECK of the final stage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlops_audit.models import CheckUnavailable

# AWS Lambda's base images: the image is a Lambda function (run by Lambda as its own user, invoked by events,
# with no ports to probe; Lambda reports invocations, duration and errors to CloudWatch)
LAMBDA_IMAGE = re.compile(r"(?i)(?:public\.ecr\.aws/lambda/|(?:docker\.io/)?amazon/aws-lambda-)")


@dataclass
class Stage:
    image: str
    line: int
    name: str | None = None
    user: str | None = None
    user_line: int | None = None
    healthcheck: bool = False
    exposes: bool = False  # an EXPOSE instruction
    command: str = ""  # the last CMD / ENTRYPOINT, as written
    base: str | None = None  # ``image`` with the ARG defaults declared before the first FROM put in, when it has
    # variables and each has a default (``ARG BASE=python`` then ``FROM ${BASE}``); None otherwise


@dataclass
class Dockerfile:
    """A Dockerfile's stages. One that exists but could not be read (too large, not UTF-8...) has a ``problem``:
    it still counts as a Dockerfile, and reading its stages raises CheckUnavailable (the rule's status is
    "error", saying why) rather than answer "no stages"."""

    path: str
    parsed: list[Stage] = field(default_factory=list)
    problem: str | None = None  # why it could not be read
    copies: bool = False  # a COPY or ADD takes files from the build context (not ``--from=`` a stage or image)

    @property
    def stages(self) -> list[Stage]:
        if self.problem is not None:
            raise CheckUnavailable(f"not checked: {self.path}: {self.problem}")
        return self.parsed

    @property
    def final(self) -> Stage | None:
        stages = self.stages
        return stages[-1] if stages else None


def is_dockerfile(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".dockerignore", ".md", ".rst", ".txt", ".adoc", ".html")):
        return False  # Dockerfile.dockerignore: the ignore file of a Dockerfile; Dockerfile_notes.md: about one
    # Dockerfile, Dockerfile.gpu, Dockerfile-model / Dockerfile_mlflow (docker build -f), serve.dockerfile
    return name in ("dockerfile", "containerfile") or name.startswith(("dockerfile.", "dockerfile-", "dockerfile_",
                                                                        "containerfile.")) or name.endswith(
        ".dockerfile"
    )


HEREDOC = re.compile(r"<<(-?)[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})


def instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuation lines joined and comments dropped. A heredoc
    (``RUN python - <<'PY'`` ... ``PY``, BuildKit's syntax) belongs to its instruction: its lines are added to
    the arguments, never read as instructions (a ``FROM`` line inside a Python heredoc is not a stage)."""
    out: list[tuple[int, str, str]] = []
    buf = ""
    start = 0
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        raw = lines[number]
        number += 1
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        parts = buf.split(None, 1)
        if parts:
            instruction, args = parts[0].upper(), parts[1] if len(parts) > 1 else ""
            if instruction in HEREDOC_INSTRUCTIONS:
                for dash, _, word in HEREDOC.findall(args):
                    body: list[str] = []
                    while number < len(lines):
                        candidate = lines[number]
                        number += 1
                        if (candidate.lstrip("\t") if dash else candidate).rstrip() == word:
                            break
                        body.append(candidate)
                    args += "\n" + "\n".join(body)
            out.append((start, instruction, args))
        buf = ""
    if buf.strip():
        parts = buf.split(None, 1)
        out.append((start, parts[0].upper(), parts[1] if len(parts) > 1 else ""))
    return out


ARG_DEFAULT = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,100})=(\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'|[^\s\"']{0,300})")
# ``$NAME``, ``${NAME}``, ``${NAME:-word}`` (Docker's forms in FROM); linear: each part ends where the next starts
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]{0,100})(?::-([^}\s]{0,300}))?\}|([A-Za-z_][A-Za-z0-9_]{0,100}))")


def with_defaults(image: str, defaults: dict[str, str]) -> str | None:
    """``image`` with each variable replaced by its default (the ARG's, else a ``:-word``); None when one has
    none (a value only a build argument gives: not known here)."""
    missing = False

    def put(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(3)
        value = defaults.get(name) or m.group(2)
        if not value:
            missing = True
            return ""
        return value

    out = VARIABLE.sub(put, image)
    return None if missing or "$" in out else out


def parse_dockerfile(text: str, path: str) -> Dockerfile:
    df = Dockerfile(path)
    defaults: dict[str, str] = {}  # the ARGs declared before the first FROM, with their defaults
    for line, instr, args in instructions(text):
        if instr == "ARG" and not df.parsed:
            for m in ARG_DEFAULT.finditer(args):
                defaults[m.group(1)] = m.group(2).strip("\"'")
        elif instr == "FROM":
            tokens = [t for t in args.split() if not t.startswith("--")]
            if not tokens:
                continue
            name = tokens[2] if len(tokens) >= 3 and tokens[1].lower() == "as" else None
            base = with_defaults(tokens[0], defaults) if "$" in tokens[0] else None
            df.parsed.append(Stage(tokens[0], line, name, base=base))
        elif df.parsed and instr == "USER":
            df.parsed[-1].user = args.strip().split(":")[0]
            df.parsed[-1].user_line = line
        elif df.parsed and instr == "HEALTHCHECK":
            df.parsed[-1].healthcheck = not re.match(r"^\s*NONE\b", args, re.I)
        elif df.parsed and instr == "EXPOSE":
            df.parsed[-1].exposes = True
        elif df.parsed and instr in ("CMD", "ENTRYPOINT"):
            df.parsed[-1].command = args
        elif instr in ("COPY", "ADD") and not any(t.lower().startswith("--from") for t in args.split()):
            df.copies = True  # ADD of a URL alone sends nothing, but is rare enough to count
    return df


SERVER_WORDS = frozenset({"uvicorn", "gunicorn", "hypercorn", "waitress", "waitress-serve", "daphne", "flask",
                          "fastapi", "serve", "streamlit", "gradio", "bentoml", "torchserve", "tritonserver",
                          "mlserver", "litserve", "nginx", "--port", "--bind", "runserver"})
SERVER_SCRIPT = re.compile(r"(^|[/._-])(app|serve|server|serving|api|predictor|service|main:app)(\.py)?$")
DEV_IMAGE = re.compile(r"(^|/)\.devcontainer/|(^|[/._-])(dev|devel|codespace|devcontainer)([._-]|$)", re.I)


def serves_requests(df: Dockerfile) -> bool:
    """Whether the image's final stage is a service: it exposes a port or its command starts a server. A dev
    container or a training / pipeline-step image is not one (a health check means nothing there)."""
    if DEV_IMAGE.search(df.path):
        return False
    final = df.final
    if final is None:
        return False
    words = [w for w in re.split(r"[\s\[\]\",']+", final.command.lower()) if w]
    return final.exposes or any(w in SERVER_WORDS or SERVER_SCRIPT.search(w) for w in words)


def unpinned_image(image: str, stage_names: set[str]) -> bool:
    """True for ``python`` or ``python:latest``; digests, explicit tags, stages, scratch and ARGs are fine."""
    if image.lower() in stage_names or image == "scratch" or "$" in image:
        return False
    if "@sha256:" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return True
    return last.rsplit(":", 1)[1].lower() == "latest"


def is_lambda_image(df: Dockerfile) -> bool:
    """The Dockerfile's final stage builds on an AWS Lambda base image."""
    final = df.final
    return final is not None and LAMBDA_IMAGE.match(final.base or final.image) is not None
