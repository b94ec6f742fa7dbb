import gc
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import clear_url_caches, get_resolver

from guanxi.cli import build_parser, collect_static_when_stale, step, warm_application, welcome
from guanxi.org.models import User

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


def test_a_long_step_says_what_it_does_before_and_after(capsys: pytest.CaptureFixture[str]) -> None:
    assert step("Checking the installation", "check") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Checking the installation…"
    assert lines[-1].startswith("Checking the installation: done in ")


def test_the_server_greets_with_its_address_where_mail_goes_and_both_units_sign_ins(
    db: None, settings: Any, tmp_path: Path
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8106"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    User.objects.create(username="sales1", display_name="熊莹")
    User.objects.create(username="auto.sales1", display_name="萧辉")
    text = welcome()
    assert "Guanxi is running at http://127.0.0.1:8106/" in text
    assert f"written to {tmp_path / 'mail'}/" in text
    assert re.search(r"sales1 +熊莹 +华东工业装备", text) and re.search(r"auto\.sales1 +萧辉 +汽车销售", text)


def test_the_application_is_loaded_before_the_first_request(db: None) -> None:
    clear_url_caches()
    assert warm_application() is not None
    assert get_resolver()._populated  # type: ignore[attr-defined]  # every urls.py and view imported
    gc.unfreeze()  # warm_application hands its objects to the forked processes; this one keeps collecting


def test_serve_collects_the_static_files_when_the_manifest_lacks_one(settings: Any, tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "static"
    (source / "guanxi").mkdir(parents=True)
    (source / "guanxi" / "first.css").write_text("a {}")
    settings.STATICFILES_DIRS, settings.STATIC_ROOT = [source], target
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]  # not the apps' files
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
