"""``scout app``: the command line it runs and the environment it passes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.cli import cli
from ui.cli_app import APP_PATH, app_environment, streamlit_command


@pytest.fixture
def exec_calls(monkeypatch) -> list:
    calls: list = []

    def fake_execve(path, argv, env):
        calls.append((path, list(argv), dict(env)))

    monkeypatch.setattr(os, "execve", fake_execve)
    monkeypatch.delenv("SCOUT_STORE", raising=False)
    monkeypatch.delenv("SCOUT_APP_PASSWORD", raising=False)
    return calls


def opt(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_app_execs_streamlit_on_localhost(exec_calls, tmp_path):
    uri = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(cli, ["--store", uri, "app"])
    assert result.exit_code == 0, result.output
    path, argv, env = exec_calls[0]
    assert argv[:5] == [path, "-m", "streamlit", "run", str(APP_PATH)]
    assert Path(argv[4]).name == "app.py" and Path(argv[4]).is_file()
    assert opt(argv, "--server.address") == "127.0.0.1"
    assert opt(argv, "--server.port") == "8501"
    assert opt(argv, "--server.headless") == "true"
    assert opt(argv, "--browser.gatherUsageStats") == "false"
    assert env["SCOUT_STORE"] == uri
    assert "http://127.0.0.1:8501" in result.output


def test_app_options_override(exec_calls, tmp_path, monkeypatch):
    monkeypatch.setenv("SCOUT_APP_PASSWORD", "pw")
    uri = f"sqlite:///{tmp_path / 'other.db'}"
    result = CliRunner().invoke(cli, ["--store", "sqlite:///ignored.db", "app", "--port", "8600",
                                      "--address", "0.0.0.0", "--store", uri])
    assert result.exit_code == 0, result.output
    _, argv, env = exec_calls[0]
    assert opt(argv, "--server.port") == "8600"
    assert opt(argv, "--server.address") == "0.0.0.0"
    assert env["SCOUT_STORE"] == uri
    assert "warning" not in result.output  # a password is set


def test_app_warns_when_shared_without_password(exec_calls):
    result = CliRunner().invoke(cli, ["app", "--address", "0.0.0.0"])
    assert result.exit_code == 0
    assert "without SCOUT_APP_PASSWORD" in result.output


def test_app_rejects_a_bad_store_uri_in_one_line(exec_calls):
    result = CliRunner().invoke(cli, ["app", "--store", "bolt://neo4j:secret@db:7687"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "secret" not in result.output
    assert exec_calls == []
    result = CliRunner().invoke(cli, ["app", "--port", "0"])
    assert result.exit_code == 2


def test_helpers():
    cmd = streamlit_command(9000, python="/usr/bin/python3")
    assert cmd[0] == "/usr/bin/python3" and opt(cmd, "--server.port") == "9000"
    env = app_environment("bolt://db:7687", base={"PATH": "/bin"})
    assert env == {"PATH": "/bin", "SCOUT_STORE": "bolt://db:7687",
                   "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    assert "SCOUT_STORE" not in app_environment(None, base={})
