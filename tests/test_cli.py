import subprocess
import sys

import pytest

from guanxi.cli import build_parser


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
