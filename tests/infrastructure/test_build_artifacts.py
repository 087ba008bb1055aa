"""What `sam build` makes (issue 13): a dependencies layer under 30 MB, nothing but product code in any
artifact, the PDF stack only where reports are made, native code for the functions' architecture, and
the layers holding exactly the locked versions, which are also the versions the tests run.

Reads .aws-sam/build, which `make template` (run by `make test` before pytest) has just written; when
it is missing, the test builds once with the tools virtualenv, as `make template` does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from localcloud.template import ROOT, load_template

BUILD = ROOT / ".aws-sam" / "build"
DEPENDENCIES_LAYER_MAX_BYTES = 30_000_000
REPORT_STACK = ("fpdf", "PIL", "fontTools", "font_source_sans_pro")
ELF_MACHINE = {"arm64": 0xB7, "x86_64": 0x3E}
# A path part that names test, benchmark, fake, simulation or demo code.
NOT_PRODUCT = re.compile(
    r"^(tests?|testing|fakes?|bench(es|marks?)?|demo|simulations?)$|^test_|^(fake|bench|demo)_"
)


def _build() -> None:
    sam = ROOT / ".venv-tools" / "bin" / "sam"
    if not sam.exists():
        pytest.fail("no .aws-sam/build and no SAM CLI: run `make template` first")
    python_dir = str(Path(sys.executable).resolve().parent)
    env = {
        **os.environ,
        "PATH": f"{python_dir}:{os.environ.get('PATH', '')}",
        "UV": str(ROOT / ".venv-tools" / "bin" / "uv"),  # as `make template` builds the layers
        "SAM_CLI_TELEMETRY": "0",
    }
    subprocess.run(
        [str(sam), "build", "--parallel", "--cached", "--region", "ap-southeast-1"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    if not (BUILD / "template.yaml").is_file():
        _build()
    return load_template(BUILD / "template.yaml")


def _of_type(template: dict[str, Any], rtype: str) -> list[str]:
    return [name for name, res in template["Resources"].items() if res["Type"] == rtype]


def _files(artifact: str) -> list[Path]:
    return [p for p in (BUILD / artifact).rglob("*") if p.is_file()]


def _layers_of(template: dict[str, Any], function: str) -> list[str]:
    refs = template.get("Globals", {}).get("Function", {}).get("Layers", []) + template["Resources"][
        function
    ]["Properties"].get("Layers", [])
    return [ref["Ref"] for ref in refs]


def test_the_dependencies_layer_stays_under_30_mb(built: dict[str, Any]) -> None:
    size = sum(p.stat().st_size for p in _files("DependenciesLayer"))
    assert 5_000_000 < size <= DEPENDENCIES_LAYER_MAX_BYTES, f"{size / 1e6:.1f} MB unzipped"


def test_no_artifact_holds_test_bench_fake_or_demo_code(built: dict[str, Any]) -> None:
    artifacts = _of_type(built, "AWS::Serverless::Function") + _of_type(
        built, "AWS::Serverless::LayerVersion"
    )
    assert len(artifacts) >= 12
    offending = [
        str(path.relative_to(BUILD))
        for artifact in artifacts
        for path in _files(artifact)
        if any(NOT_PRODUCT.search(Path(part).stem) for part in path.relative_to(BUILD / artifact).parts)
    ]
    assert offending == []
    shared = {str(p.relative_to(BUILD / "SharedLayer" / "python")) for p in _files("SharedLayer")}
    assert "anninh/api/app.py" in shared and not any(p.endswith(".pyc") for p in shared)


def test_the_report_stack_is_only_in_the_report_function(built: dict[str, Any]) -> None:
    def holds_report_stack(artifact: str) -> bool:
        roots = {p.relative_to(BUILD / artifact).parts[:2] for p in _files(artifact)}
        return any(part in REPORT_STACK for root in roots for part in root)

    assert holds_report_stack("ReportLayer")
    for function in _of_type(built, "AWS::Serverless::Function"):
        stacks = [a for a in [function, *_layers_of(built, function)] if holds_report_stack(a)]
        assert stacks == (["ReportLayer"] if function == "ReportFunction" else []), function
    from anninh.reports.pdf import font_files

    shipped = sorted(p.name for p in _files("ReportLayer") if p.suffix in (".ttf", ".otf"))
    assert shipped == sorted(Path(path).name for path in font_files().values())  # the ones used, only
    # Tracing needs no SDK: the X-Ray SDK (and its second botocore) is in no artifact.
    for layer in _of_type(built, "AWS::Serverless::LayerVersion"):
        assert not (BUILD / layer / "python" / "aws_xray_sdk").exists(), layer


def test_native_code_matches_the_functions_architecture(built: dict[str, Any]) -> None:
    (arch,) = built["Globals"]["Function"]["Architectures"]
    libraries = [
        p for layer in ("DependenciesLayer", "ReportLayer") for p in _files(layer) if ".so" in p.name
    ]
    assert libraries
    for library in libraries:
        header = library.read_bytes()[:20]
        if header[:4] == b"\x7fELF":
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINE[arch], library.name


def _locked(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", lock.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}


def _installed(artifact: str) -> dict[str, str]:
    found = {}
    for dist in (BUILD / artifact / "python").glob("*.dist-info"):
        name, version = dist.name[: -len(".dist-info")].rsplit("-", 1)
        found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def test_layers_ship_exactly_the_locked_versions(built: dict[str, Any]) -> None:
    for artifact, lock in (
        ("DependenciesLayer", ROOT / "layers" / "deps" / "requirements.txt"),
        ("ReportLayer", ROOT / "layers" / "report" / "requirements.txt"),
    ):
        assert _installed(artifact) == _locked(lock), artifact


def test_the_tests_run_the_versions_the_layers_ship() -> None:
    for lock in (
        ROOT / "layers" / "deps" / "requirements.txt",
        ROOT / "layers" / "report" / "requirements.txt",
    ):
        for name, version in _locked(lock).items():
            assert metadata.version(name) == version, f"{name}: tests run {metadata.version(name)}"
