"""Files recognised by content, not only by fixed names (issue 13, class 4): CI configurations in any folder
(Azure DevOps, Cloud Build, GitLab includes, Jenkins, Tekton, Argo...), conda environments by any name, and
setup.py / setup.cfg read as data (setup.py's syntax tree, never run). Each signature has a near miss that must
not be taken for it; both are checked through the rules (AUT001/AUT002/AUT004, REP001/REP002/REP004, GOV003)
and through the functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, paths, result
from mlops_audit.facts import ci, manifests, signatures, yamlsafe
from mlops_audit.facts.manifests import Manifests
from repo_builder import status

CODE = {"src/lib.py": "def f() -> int:\n    return 1\n"}


def load(text: str) -> object:
    try:
        return yamlsafe.load(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- CI: recognised by content
AZURE = "trigger:\n  - main\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: python -m pytest\n"
AZURE_STAGES = """\
trigger: none
stages:
  - stage: Build
    jobs:
      - job: unit
        steps:
          - task: UsePythonVersion@0
            inputs: {versionSpec: "3.11"}
          - bash: pytest tests
"""
AZURE_TEMPLATE = "parameters:\n  - name: py\n    default: '3.11'\nsteps:\n- bash: tox -e py\n"
CLOUDBUILD = "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, -t, img, .]\n  - name: python:3.11\n" \
             "    entrypoint: python\n    args: [-m, pytest]\ntimeout: 1200s\n"
GITLAB_INCLUDE = ".tests:\n  image: python:3.11\n  script:\n    - pytest\n\nunit:\n  extends: .tests\n  stage: test\n"
JENKINS = "pipeline {\n  agent any\n  stages {\n    stage('test') { steps { sh 'pytest -q' } }\n  }\n}\n"
TEKTON = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: ci
spec:
  tasks:
    - name: test
      taskRef: {name: pytest}
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: pytest
spec:
  steps:
    - name: run
      image: python:3.11
      script: pytest
"""
ARGO = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: train-\nspec:\n  entrypoint: t\n"
CODEBUILD = "version: 0.2\nphases:\n  install:\n    commands: [pip install -e .]\n  build:\n    commands:\n" \
            "      - pytest\n"
DRONE = "kind: pipeline\ntype: docker\nname: test\nsteps:\n  - name: t\n    image: python:3.11\n" \
        "    commands: [pytest]\n---\nkind: secret\nname: token\n"


@pytest.mark.parametrize(
    ("path", "text", "system"),
    [
        (".pipelines/ci.yml", AZURE, "azure"),
        ("azdo_pipelines/build.yml", AZURE_STAGES, "azure"),
        ("ml_service/pipelines/ci-pipeline.yml", AZURE, "azure"),
        (".azure-pipelines/templates/test.yml", AZURE_TEMPLATE, "azure"),
        ("build/cloudbuild-ci.yaml", CLOUDBUILD, "cloudbuild"),
        ("deploy/gcb.yaml", CLOUDBUILD, "cloudbuild"),
        ("ci/unit-tests.yml", GITLAB_INCLUDE, "gitlab"),
        ("ci/templates/python.gitlab-ci.yml", "include: {local: ci/unit-tests.yml}\n", "gitlab"),
        ("ci/Jenkinsfile-nightly", JENKINS, "jenkins"),
        ("jenkins/train.jenkinsfile", "node('gpu') {\n  sh 'make test'\n}\n", "jenkins"),
        (".buildkite/pipelines/test.yml", "steps:\n  - command: pytest\n", "buildkite"),
        (".woodpecker/test.yml", "steps:\n  test:\n    image: python\n    commands: [pytest]\n", "woodpecker"),
        ("deploy/drone-ci.yml", DRONE, "drone"),
        ("k8s/tekton/pipeline.yaml", TEKTON, "tekton"),
        ("workflows/train.yaml", ARGO, "argo"),
        ("aws/buildspec-test.yml", CODEBUILD, "codebuild"),
        (".gitea/workflows/ci.yml", "on: push\njobs:\n  t:\n    runs-on: x\n    steps: [{run: pytest}]\n", "gitea"),
        (".circleci/continue.yml", "version: 2.1\nworkflows:\n  test:\n    jobs: [t]\n", "circleci"),
    ],
)
def test_ci_recognised_in_any_folder(tmp_path: Path, path: str, text: str, system: str) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "AUT001") == "pass"
    assert result(report, "AUT001").reason == system
    assert path not in paths(report, "AUD001")  # valid, multi-document included: no problem reported


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("aml/train-job.yml", "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema"
                     ".json\ncommand: python train.py --data ${{inputs.data}}\nenvironment: azureml:sk@latest\n"
                     "compute: azureml:cpu\n", id="azure-ml-command-job"),
        pytest.param("aml/pipeline.yml", "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema"
                     ".json\ntype: pipeline\njobs:\n  train:\n    type: command\n    command: python train.py\n",
                     id="azure-ml-pipeline"),
        pytest.param("docker-compose.yml", "services:\n  api:\n    image: app:1\n    command: pytest\n",
                     id="docker-compose"),
        pytest.param("k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n"
                     "  template:\n    spec:\n      containers:\n        - name: api\n          image: app:1\n---\n"
                     "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n", id="kubernetes-deployment"),
        pytest.param("argocd/app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec: {}\n",
                     id="argo-cd-application"),
        pytest.param("chart/templates/job.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata:\n"
                     "  name: {{ .Release.Name }}\n{{- if .Values.tests }}\nspec:\n  steps: [1]\n{{- end }}\n",
                     id="helm-template"),
        pytest.param("deploy/pipeline.yml.j2.yml", "steps:\n{% for cmd in cmds %}\n  - script: {{ cmd }}\n"
                     "{% endfor %}\n", id="jinja-template-not-yaml"),
        pytest.param("docs/example-workflow.yml", "on: [push]\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                     "      - run: pytest\n", id="github-workflow-nothing-runs"),
        pytest.param("dvc.yaml", "stages:\n  train:\n    cmd: python train.py\n", id="dvc-stages"),
        pytest.param("conf/trainer.yaml", "steps: 1000\njobs: 4\nlr: 0.1\n", id="hydra-config"),
        pytest.param("playbook.yml", "- hosts: all\n  tasks:\n    - name: t\n      script: run.sh\n", id="ansible"),
        pytest.param("notes/Jenkinsfile.md", "# How our pipeline { works }\n", id="jenkinsfile-doc"),
        pytest.param("jenkins/vars/util.groovy", "def call() { echo 'hi' }\n", id="groovy-not-a-pipeline"),
    ],
)
def test_near_misses_are_not_ci(tmp_path: Path, path: str, text: str) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "AUT001") == "fail"
    assert path not in paths(report, "AUD001")  # a maybe-CI file that does not parse (Helm) is no problem


def test_runs_tests_is_read_from_content_found_ci(tmp_path: Path) -> None:
    files = {**CODE, ".pipelines/lint.yml": AZURE.replace("python -m pytest", "ruff check ."),
             "build/cloudbuild.yaml": CLOUDBUILD.replace("[-m, pytest]", "[-m, build]")}
    report = build(tmp_path, files)
    assert status(report, "AUT002") == "fail"
    assert paths(report, "AUT002") == {".pipelines/lint.yml", "build/cloudbuild.yaml"}
    files["ci/unit.yml"] = GITLAB_INCLUDE
    assert status(build(tmp_path / "with-tests", files), "AUT002") == "pass"


def test_unreadable_file_named_for_a_ci_system_is_ci_with_unknown_content(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, ".pipelines/ci.yml": b"trigger: [main]\nsteps:\n  - script: caf\xe9\n"})
    assert status(report, "AUT001") == "pass"
    assert result(report, "AUT001").reason == "azure"
    assert status(report, "AUT002") == "error"
    assert ".pipelines/ci.yml" in paths(report, "AUD001")


def test_unreadable_yaml_with_an_ordinary_name_is_not_ci(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, "conf/model.yml": b"steps:\n  - script: caf\xe9\n"})
    assert status(report, "AUT001") == "fail"


# --------------------------------------------------------------------------- CI: schedules, per system
@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param(".pipelines/nightly.yml", 'schedules:\n  - cron: "0 3 * * 1"\n    branches: {include: [main]}\n'
                     "trigger: none\nsteps:\n  - script: python train.py\n", id="azure-schedules"),
        pytest.param("argo/retrain.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nspec:\n"
                     "  schedule: '0 3 * * 1'\n  workflowSpec: {entrypoint: train}\n", id="argo-cronworkflow"),
        pytest.param("tekton/retrain.yaml", TEKTON + "---\napiVersion: batch/v1\nkind: CronJob\nspec:\n"
                     "  schedule: '0 3 * * 1'\n", id="tekton-cronjob"),
        pytest.param("ci/train.yml", "train:\n  stage: train\n  script: [python train.py]\n  only:\n    - schedules\n",
                     id="gitlab-only-schedules"),
        pytest.param("ci/retrain.yml", 'retrain:\n  image: python\n  script: [python train.py]\n  rules:\n'
                     '    - if: $CI_PIPELINE_SOURCE == "schedule"\n', id="gitlab-rules-schedule"),
        pytest.param(".travis.yml", "script: python train.py\njobs:\n  include:\n    - if: type = cron\n"
                     "      script: python train.py\n", id="travis-cron"),
        pytest.param("deploy/drone.yml", DRONE.replace("---", "trigger:\n  event:\n    - cron\n---"),
                     id="drone-cron-event"),
        pytest.param("ci/Jenkinsfile.train", "pipeline {\n  triggers { cron('H 3 * * 1') }\n}\n", id="jenkins-cron"),
    ],
)
def test_schedules_of_content_found_ci_count_as_continuous_training(tmp_path: Path, path: str, text: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, path: text})
    assert status(report, "AUT001") == "pass"
    assert status(report, "AUT004") == "pass"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("build/cloudbuild-train.yaml", CLOUDBUILD, id="cloudbuild-triggers-are-not-in-the-file"),
        pytest.param("aws/buildspec.yml", CODEBUILD, id="codebuild"),
        pytest.param("ci/train.yml", "train:\n  stage: train\n  script: [python train.py]\n  except:\n"
                     "    - schedules\n", id="gitlab-except-schedules"),
        pytest.param("ci/deploy.yml", 'deploy:\n  image: python\n  script: [make deploy]\n  rules:\n'
                     '    - if: $CI_PIPELINE_SOURCE == "schedule"\n      when: never\n    - when: on_success\n',
                     id="gitlab-never-on-schedule"),
        pytest.param("workflows/train.yaml", ARGO, id="argo-workflow"),
        pytest.param(".pipelines/ci.yml", "# schedules:\n#   - cron: '0 3 * * *'\n" + AZURE, id="azure-commented-out"),
    ],
)
def test_ci_without_a_schedule_of_its_own_is_not_continuous_training(tmp_path: Path, path: str, text: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, path: text})
    assert status(report, "AUT001") == "pass"
    assert status(report, "AUT004") == "fail"


def test_scheduled_per_system_directly() -> None:
    assert ci.scheduled("github", 'on:\n  schedule:\n    - cron: "0 3 * * 1"\n')
    assert ci.scheduled("github", "on: {schedule: [{cron: '0 3 * * 1'}]}\n")
    assert not ci.scheduled("github", "on:\n  push:\n#  schedule:\n#    - cron: '0 3 * * 1'\n")
    assert ci.scheduled("azure", "schedules:\n- cron: '0 0 * * *'\n")
    assert not ci.scheduled("azure", "steps:\n  - script: echo schedules\n")
    assert ci.scheduled("gitlab", "train:\n  only:\n    refs: [schedules]\n  script: x\n")
    assert ci.scheduled("gitlab", "workflow:\n  rules:\n    - if: '$CI_PIPELINE_SOURCE =~ /schedule|web/'\n")
    assert not ci.scheduled("gitlab", 'j:\n  rules:\n    - if: $CI_PIPELINE_SOURCE != "schedule"\n')
    assert ci.scheduled("circleci", "workflows:\n  nightly:\n    triggers:\n      - schedule:\n"
                                    "          cron: '0 0 * * *'\n")
    assert ci.scheduled("circleci", "workflows:\n  t:\n    when:\n      equal: [scheduled_pipeline, x]\n")
    assert ci.scheduled("woodpecker", "when:\n  - event: cron\n    cron: nightly\n")
    assert not ci.scheduled("travis", "jobs:\n  include:\n    - if: type != cron\n")
    assert not ci.scheduled("cloudbuild", "steps: []\n# cron: nightly\n")
    assert not ci.scheduled("bitbucket", "pipelines:\n  custom:\n    nightly: []\n")


def test_ci_signature_directly() -> None:
    assert signatures.ci_signature("a/b.yml", AZURE_STAGES, load) == "azure"
    assert signatures.ci_signature("a/b.yml", "extends:\n  template: pipeline.yml@templates\n", load) == "azure"
    assert signatures.ci_signature("a/b.yml", CLOUDBUILD, load) == "cloudbuild"
    assert signatures.ci_signature("a/b.yml", TEKTON, load) == "tekton"
    assert signatures.ci_signature("a/b.yml", "jobs:\n  - name: x\n    schedule: daily\n", load) is None  # Helm
    assert signatures.ci_signature("a/b.yml", "steps: [unclosed\n", load) is None  # not YAML: not a signature
    assert signatures.ci_signature("a/Jenkinsfile_x", "node {\n}\n", load) == "jenkins"
    assert signatures.ci_signature("a/Jenkinsfile_x", "// a pipeline, some day\n", load) is None


def test_path_rules_and_candidates_directly() -> None:
    assert ci.ci_system(".github/workflows/ci.yml") == "github"
    assert ci.ci_system("docs/.github/workflows/ci.yml") is None  # only the root's workflows run
    assert ci.ci_system("services/api/.gitlab-ci.yml") == "gitlab"
    assert ci.ci_system("buildspec.yml") == "codebuild"
    assert ci.ci_system("Jenkinsfile.groovy") == "jenkins"
    assert ci.ci_system("Jenkinsfile.md") is None
    assert ci.candidate(".pipelines/ci.yml") == "azure"
    assert ci.candidate("cloudbuild-prod.yaml") == "cloudbuild"
    assert ci.candidate("any/where.yaml") == ""
    assert ci.candidate("src/model.py") is None
    assert ci.candidate("Jenkinsfile.md") is None
    assert signatures.may_hold_signature("ops/pipeline.yml")
    assert not signatures.may_hold_signature("charts/api/values-prod.yaml")  # Helm, Compose...: never read for it
    assert not signatures.may_hold_signature(".github/dependabot.yml")


def test_yaml_hint_skips_files_without_signature_keys() -> None:
    hint = signatures.YAML_HINT
    assert hint.search("model:\n  steps: 100\n") is None  # nested: no parse
    assert hint.search("trainer:\n  lr: 0.1\n") is None
    assert hint.search("name: x\ndependencies:\n  - numpy\n")
    assert hint.search("test:\n  stage: test\n  script: pytest\n")
    assert hint.search("kind: pipeline\n")
    assert hint.search("apiVersion: argoproj.io/v1alpha1\n")
    assert hint.search("apiVersion: apps/v1\nkind: Deployment\n") is None  # Kubernetes, Helm: not read further


def test_documents_keep_line_numbers() -> None:
    docs = signatures.documents("# c\n---\na: 1\n---\nb: [\n")
    assert [start for start, _ in docs] == [1, 4]
    assert load(docs[0][1]) == {"a": 1}
    assert signatures.top_level("a: 1\n---\nkind: x\n  nested: y\n- item: z\n") == [{"a": "1"}, {"kind": "x"}]


def test_multi_document_ci_by_path_is_valid_yaml_and_errors_keep_their_line(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, ".drone.yml": DRONE})
    assert ".drone.yml" not in paths(report, "AUD001")  # two documents: valid, not "expected a single document"
    broken = DRONE + "---\nkind: pipeline\nname: x\n  steps: []\n"  # line 14: a key indented under a scalar
    report = build(tmp_path / "broken", {**CODE, ".drone.yml": broken})
    (problem,) = [f for f in findings(report, "AUD001") if f.path == ".drone.yml"]
    assert "invalid YAML at line 14:" in problem.message  # the file's line, not the document's


# --------------------------------------------------------------------------- conda environments by content
@pytest.mark.parametrize(
    ("path", "text", "line", "name"),
    [
        ("conda_dependencies.yml", "name: aml\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n"
         "  - scikit-learn\n", 5, "scikit-learn"),
        ("ci_dependencies.yml", "dependencies:\n  - python=3.9\n  - pip\n  - pip:\n    - pytest\n", 5, "pytest"),
        ("env.yaml", "name: x\ndependencies:\n  - python=3.11\n  - conda-forge::numpy\n", 4, "numpy"),
        ("environment-gpu.yml", "channels:\n  - pytorch\ndependencies:\n  - python>=3.10\n  - pytorch\n", 5,
         "pytorch"),
        ("conda/train.yml", "channels: [defaults]\ndependencies:\n  - python=3.11\n  - pandas\n", 4, "pandas"),
    ],
)
def test_conda_environments_by_any_name(tmp_path: Path, path: str, text: str, line: int, name: str) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "REP001") == "pass"
    assert status(report, "REP004") == "pass"  # python=3.x, read from the environment
    (f,) = findings(report, "REP002")
    assert (f.path, f.line) == (path, line)
    assert f"`{name}`" in f.message


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("chart/Chart.yaml", "apiVersion: v2\nname: api\nversion: 0.1.0\ndependencies:\n  - name: redis\n"
                     "    version: 17.0.0\n    repository: https://charts.bitnami.com/bitnami\n", id="helm-chart"),
        pytest.param("roles/web/meta/main.yml", "galaxy_info:\n  author: x\ndependencies:\n  - common\n",
                     id="ansible-role-meta"),
        pytest.param("deps.yml", "dependencies:\n  - numpy\n  - pandas\n", id="a-list-but-nothing-conda"),
        pytest.param("conda-lock.yml", "version: 1\nmetadata:\n  channels: [{url: conda-forge}]\npackage: []\n",
                     id="conda-lock-is-a-lock"),
    ],
)
def test_near_misses_are_not_conda_environments(tmp_path: Path, path: str, text: str) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "REP001") == "fail"


def test_conda_signature_directly() -> None:
    assert signatures.is_conda_env({"dependencies": ["python=3.11"]})
    assert signatures.is_conda_env({"dependencies": ["numpy", {"pip": ["x"]}]})
    assert not signatures.is_conda_env({"dependencies": ["numpy"]})
    assert not signatures.is_conda_env({"dependencies": [{"name": "redis"}], "channels": []})
    assert not signatures.is_conda_env({"apiVersion": "v2", "dependencies": ["python=3.11"]})
    assert not signatures.may_be_conda("name: x\nservices:\n  a: 1\ndependencies:\n  - python=3\n")


# --------------------------------------------------------------------------- setup.py, read as data
def test_setup_py_literals_become_requirements_with_lines(tmp_path: Path) -> None:
    setup = ("from setuptools import setup\n\nREQUIRED = [\n    'pandas>=2',\n    'mlflow',\n]\n"
             "EXTRAS = {'test': ['pytest==8.3.3'], 'gpu': ['torch']}\n\n"
             "setup(name='x', install_requires=REQUIRED + ['numpy==1.26.4'], extras_require=EXTRAS,\n"
             "      python_requires='>=3.10', license='MIT')\n")
    report = build(tmp_path, {**CODE, "setup.py": setup})
    assert status(report, "REP001") == "pass"
    assert sorted((f.path, f.line) for f in findings(report, "REP002")) == [("setup.py", 5), ("setup.py", 7)]
    assert status(report, "REP004") == "pass"
    assert status(report, "GOV003") == "pass"


def test_setup_py_computed_from_a_file_read_is_unknown_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "EXECUTED"
    setup = (f"open({str(marker)!r}, 'w').write('ran')\nfrom setuptools import setup\n"
             "setup(name='x', install_requires=open('deps.cfg').read().splitlines(), python_requires='>=3.10')\n")
    report = build(tmp_path / "r", {**CODE, "setup.py": setup, "deps.cfg": "pandas\n"})
    assert status(report, "REP001") == "pass"
    assert status(report, "REP002") == "error"  # unknown: not "no dependencies", not a guess
    assert "computed" in result(report, "REP002").reason
    assert status(report, "REP004") == "pass"  # what is literal is still read
    assert not marker.exists()


def test_setup_py_reading_a_requirements_file_the_audit_reads_is_checked_there(tmp_path: Path) -> None:
    setup = ("from pathlib import Path\nfrom setuptools import setup\n\nHERE = Path(__file__).parent\n\n"
             "def reqs(name):\n    return (HERE / name).read_text().splitlines()\n\n"
             "setup(name='x', install_requires=reqs('requirements.txt'))\n")
    report = build(tmp_path, {**CODE, "setup.py": setup, "requirements.txt": "pandas==2.2.3\nmlflow\n"})
    assert status(report, "REP002") == "fail"
    assert [(f.path, f.line) for f in findings(report, "REP002")] == [("requirements.txt", 2)]
    missing = build(tmp_path / "missing", {**CODE, "setup.py": setup})  # the file it reads is not there
    assert status(missing, "REP002") == "error"


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param("from setuptools import setup\nREQ = ['a==1']\nREQ.append('b')\nsetup(install_requires=REQ)\n",
                     id="changed-in-place"),
        pytest.param("from setuptools import setup\nREQ = ['a==1']\nif X:\n    REQ = []\nsetup(install_requires=REQ)\n",
                     id="bound-twice"),
        pytest.param("from setuptools import setup\nsetup(install_requires=[f'torch=={V}'])\n", id="f-string"),
        pytest.param("from setuptools import setup\nsetup(**get_config())\n", id="double-star-call"),
        pytest.param("import setuptools\nsetuptools.setup(extras_require=load_extras())\n", id="extras-computed"),
        pytest.param("exec(open('build_helpers.py').read())\n", id="no-setup-call"),
        pytest.param("from setuptools import setup\nsetup(install_requires=['a'\n", id="syntax-error"),
    ],
)
def test_setup_py_anything_not_literal_is_unknown(tmp_path: Path, setup: str) -> None:
    report = build(tmp_path, {**CODE, "setup.py": setup})
    assert status(report, "REP001") == "pass"
    assert status(report, "REP002") == "error"


def test_setup_py_python_requires_computed_is_unknown_unless_declared_elsewhere(tmp_path: Path) -> None:
    setup = "import setuptools\nsetuptools.setup(python_requires='>=' + MIN, install_requires=['a==1'])\n"
    report = build(tmp_path, {**CODE, "setup.py": setup})
    assert status(report, "REP004") == "error"
    assert status(report, "REP002") == "pass"
    report = build(tmp_path / "declared", {**CODE, "setup.py": setup, ".python-version": "3.11\n"})
    assert status(report, "REP004") == "pass"


def test_read_setup_py_directly() -> None:
    out = Manifests()
    text = ("from setuptools import setup as s\nBASE = ('numpy>=1',)\n"
            "s(install_requires=[*BASE, 'torch @ https://x/t.whl'], classifiers=['License :: OSI Approved'])\n")
    manifests.read_setup_py(text, "pkg/setup.py", out, lambda p: False)
    assert [(r.name, r.spec, r.line) for r in out.found_requirements] == [("numpy", ">=1", 2), ("torch", "@url", 3)]
    assert out.found_license and not out.unread
    deep = "setup(install_requires=" + "[" * 200 + "]" * 200 + ")\n"
    manifests.read_setup_py(deep, "setup.py", out, lambda p: False)  # hostile: unknown, never a crash
    assert "requirements" in out.unread


# --------------------------------------------------------------------------- setup.cfg, pixi, names
SETUP_CFG = """\
[metadata]
name = x
license = Apache-2.0

[options]
python_requires = >=3.10
install_requires =
    pandas>=2  # data
    scikit-learn
    requests; python_version < "3.12"

[options.extras_require]
test =
    pytest==8.3.3
"""


def test_setup_cfg_is_read_with_configparser(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, "setup.cfg": SETUP_CFG})
    assert status(report, "REP001") == "pass"
    assert sorted((f.path, f.line) for f in findings(report, "REP002")) == [("setup.cfg", 9), ("setup.cfg", 10)]
    assert status(report, "REP004") == "pass"
    assert status(report, "GOV003") == "pass"


def test_setup_cfg_of_tool_settings_only_is_not_a_manifest(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, "setup.cfg": "[flake8]\nmax-line-length = 120\nformat = %(path)s\n"})
    assert status(report, "REP001") == "fail"


def test_setup_cfg_file_directive_and_broken_ini(tmp_path: Path) -> None:
    cfg = "[options]\ninstall_requires = file: requirements.in\n"
    report = build(tmp_path, {**CODE, "setup.cfg": cfg, "requirements.in": "pandas\n"})
    assert [(f.path, f.line) for f in findings(report, "REP002")] == [("requirements.in", 1)]
    report = build(tmp_path / "broken", {**CODE, "setup.cfg": "install_requires = x\n[options\n"})
    assert status(report, "REP001") == "pass"
    assert status(report, "REP002") == "error"


def test_pixi_and_other_requirement_names(tmp_path: Path) -> None:
    files = {**CODE, "pixi.toml": '[project]\nname = "x"\nchannels = ["conda-forge"]\n\n[dependencies]\n'
             'python = "3.11.*"\nnumpy = "*"\n\n[pypi-dependencies]\nmlflow = ">=2"\n',
             "dev-requirements.txt": "pytest\n", "pixi.lock": "version: 5\n"}
    report = build(tmp_path, files)
    assert status(report, "REP004") == "pass"
    assert status(report, "REP003") == "pass"
    assert sorted((f.path, f.line) for f in findings(report, "REP002")) == [("dev-requirements.txt", 1),
                                                                           ("pixi.toml", 7)]


def test_pyproject_extras_are_requirements_like_setup_py_extras(tmp_path: Path) -> None:
    pyproject = ('[project]\nname = "x"\nversion = "0"\ndependencies = ["pandas==2.2.3"]\n\n'
                 '[project.optional-dependencies]\nserve = [\n  "fastapi",\n]\n')
    report = build(tmp_path, {**CODE, "pyproject.toml": pyproject})
    assert [(f.path, f.line) for f in findings(report, "REP002")] == [("pyproject.toml", 8)]


def test_requirement_names_directly() -> None:
    assert manifests.is_requirements_txt("dev-requirements.txt")
    assert manifests.is_requirements_txt("ci/test_requirements.in")
    assert manifests.is_requirements_txt("requirements/gpu.txt")
    assert not manifests.is_requirements_txt("requirements.md")
    assert not manifests.is_requirements_txt("notes/requirements_analysis.md")
    assert manifests.is_lock_file("conda-linux-64.lock")
    assert manifests.is_lock_file("pixi.lock")


def test_a_pipeline_compiled_by_kubeflow_is_not_ci(tmp_path: Path) -> None:
    spec = ("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: titanic-\n"
            "  annotations:\n    pipelines.kubeflow.org/kfp_sdk_version: 1.8.0\nspec:\n  entrypoint: titanic\n")
    workflow = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: ci\nspec:\n  entrypoint: test\n"
    assert status(build(tmp_path / "kfp", {"lib.py": "x = 1\n", "pipelines/titanic.yaml": spec}), "AUT001") == "fail"
    assert status(build(tmp_path / "argo", {"lib.py": "x = 1\n", "ci/workflow.yaml": workflow}), "AUT001") == "pass"


# --------------------------------------------------------------------------- a manifest and the lock made from it
PROD_IN = "h5py\nnumpy\ntorch>=2\n"
PROD_TXT = "# autogenerated by pip-compile\nh5py==3.9.0\nnumpy==1.25.2\ntorch==2.1.0\n"
PIPFILE = '[packages]\nnumpy = "*"\npandas = "*"\n\n[requires]\npython_version = "3.11"\n'


@pytest.mark.parametrize("files", [
    {"requirements/prod.in": PROD_IN, "requirements/prod.txt": PROD_TXT},
    {"Pipfile": PIPFILE, "Pipfile.lock": '{"default": {"numpy": {"version": "==1.26.4"}}}'},
    {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["numpy"]\n', "uv.lock": "version = 1\n"},
], ids=["pip-tools", "pipenv", "uv"])
def test_a_manifest_resolved_into_its_lock_is_pinned(tmp_path: Path, files: dict[str, str]) -> None:
    assert status(build(tmp_path, {**CODE, **files}), "REP002") == "pass"


@pytest.mark.parametrize(("files", "flagged"), [
    # the compiled file does not pin it (edited by hand, or compiled before the line was added)
    ({"requirements/prod.in": PROD_IN, "requirements/prod.txt": "h5py==3.9.0\ntorch==2.1.0\n"},
     [("requirements/prod.in", 2)]),
    # a lock of another folder's project, and an input with no compiled file
    ({"Pipfile": PIPFILE, "api/Pipfile.lock": "{}"}, [("Pipfile", 2), ("Pipfile", 3)]),
    ({"requirements/dev.in": "pytest\n"}, [("requirements/dev.in", 1)]),
    # pixi.lock beside a pixi.toml is that file's: the pyproject.toml's extras are not what pixi resolves
    ({"pyproject.toml": '[project]\nname = "x"\nversion = "1"\n[project.optional-dependencies]\ntest = ["pooch"]\n',
      "pixi.toml": '[dependencies]\nnumpy = ">=1.26"\n', "pixi.lock": "version: 6\n"}, [("pyproject.toml", 5)]),
], ids=["not-in-the-compiled-file", "lock-elsewhere", "no-compiled-file", "pixi-lock-of-pixi-toml"])
def test_a_lock_pins_only_its_own_manifest(tmp_path: Path, files: dict[str, str],
                                           flagged: list[tuple[str, int]]) -> None:
    report = build(tmp_path, {**CODE, **files})
    assert sorted((f.path, f.line) for f in findings(report, "REP002")) == flagged
