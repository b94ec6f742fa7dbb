import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guanxi.cli import build_parser, collect_static_when_stale

PRODUCTION_STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["worker"], ["migrate"], ["createadmin"], ["demo"], ["jobs"], ["jobs", "run"]]
)
def test_every_command_explains_itself(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([*command, "--help"])
    assert stop.value.code == 0
    assert "usage: guanxi" in capsys.readouterr().out


def test_the_console_script_runs_a_sweep_as_of_a_time() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "guanxi.cli", "jobs", "list"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "clear_sessions" in result.stdout


def test_serve_collects_the_static_files_when_the_manifest_lacks_one(settings: Any, tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "static"
    (source / "guanxi").mkdir(parents=True)
    (source / "guanxi" / "first.css").write_text("a {}")
    settings.STATICFILES_DIRS, settings.STATIC_ROOT = [source], target
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC_STORAGE}}

    collect_static_when_stale()  # a fresh install: no manifest at all
    manifest = target / "staticfiles.json"
    assert "guanxi/first.css" in json.loads(manifest.read_text())["paths"]
    written = manifest.stat().st_mtime_ns

    collect_static_when_stale()  # nothing new: starts without collecting again
    assert manifest.stat().st_mtime_ns == written

    (source / "guanxi" / "second.css").write_text("b {}")  # an upgrade brings a file
    collect_static_when_stale()
    assert "guanxi/second.css" in json.loads(manifest.read_text())["paths"]
