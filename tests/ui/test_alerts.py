"""Refresh alerts: the rules on hand-made boards, delivery to a real local HTTP server and a
real local SMTP server (aiosmtpd) on 127.0.0.1, and a refresh that alerts once."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from click.testing import CliRunner

from graph import alerts as rules
from graph.errors import ConfigError, InputError
from ingest.ops.notify import EmailSettings, post_webhook, send_email
from ui.cli import cli


# ----------------------------------------------------------------------------- local servers
class Hook:
    """A local webhook: records every JSON body; answers ``status``."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(n)))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/SECRET"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps the messages it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages: list[tuple[list[str], str]] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
            return "250 OK"

    keep = Keep()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(keep, hostname="127.0.0.1", port=port)
    ctl.start()
    keep.port = port
    yield keep
    ctl.stop()


# ----------------------------------------------------------------------------- rules
def test_top_entrants_by_hand():
    before = pd.DataFrame({"key": ["a", "b", "c"], "account": ["ann", "bo", "cy"], "rank": [1, 2, 3]})
    now = pd.DataFrame({"key": ["d", "a", "b", "c"], "account": ["di", "ann", "bo", "cy"],
                        "rank": [1, 2, 3, 4], "score": [90.0, 80.0, 70.0, 60.0]})
    found = rules.top_entrants(now, before, 3, "external leaders")
    assert [a.key for a in found] == ["top:external leaders:d"]
    assert found[0].text == "@di entered the external leaders top 3 (rank 1, score 90.0)"
    assert rules.top_entrants(now, None, 3, "x") == []  # the first refresh sets the baseline


def test_share_moves_by_hand():
    sov = pd.DataFrame({"period": ["w1", "w1", "w2", "w2"], "theme": ["us", "rival"] * 2,
                        "share": [0.80, 0.20, 0.74, 0.26]})
    assert rules.share_moves(sov, 0.10) == []  # six points: below the threshold
    moved = rules.share_moves(sov, 0.05)
    assert [a.key for a in moved] == ["sov:rival:w2", "sov:us:w2"]
    assert "rose from 20% to 26%" in moved[0].text and moved[0].page == "listening"


# ----------------------------------------------------------------------------- delivery
def test_webhook_posts_json_and_keeps_the_url_secret(hook, monkeypatch):
    monkeypatch.setenv("TEST_HOOK", hook.url)
    post_webhook("TEST_HOOK", "hello")
    assert hook.bodies == [{"text": "hello"}]
    hook.status = 500
    with pytest.raises(InputError) as err:
        post_webhook("TEST_HOOK", "again")
    assert "HTTP 500" in str(err.value) and "SECRET" not in str(err.value)
    monkeypatch.delenv("TEST_HOOK")
    with pytest.raises(ConfigError, match="TEST_HOOK"):
        post_webhook("TEST_HOOK", "x")


def test_email_reaches_a_local_smtp_server(smtp, monkeypatch):
    settings = EmailSettings(host="127.0.0.1", port=smtp.port, sender="scout@acme.example",
                             to=["cm@acme.example"], starttls=False)
    send_email(settings, "Scout: 1 alert", "body text")
    (rcpt, content), = smtp.messages
    assert rcpt == ["cm@acme.example"] and "Subject: Scout: 1 alert" in content
    assert "body text" in content
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    bad = EmailSettings(host="127.0.0.1", port=closed, to=["x@y.example"], starttls=False)
    with pytest.raises(InputError, match="cannot reach the SMTP server"):
        send_email(bad, "s", "t")


# ----------------------------------------------------------------------------- a refresh
def _edges(path, rows):
    lines = ["source,target,kind,timestamp,text"]
    lines += [f"{s},{t},reply,{at},{text}" for s, t, at, text in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_refresh_alerts_once_by_webhook_and_email(tmp_path, hook, smtp):
    (tmp_path / "in").mkdir()
    # week 1: everybody talks about Acme with a, b, c
    week1 = [(f"f{i}", "abc"[i % 3], f"2026-11-{10 + i % 4:02d}T10:00:00Z", "love acme")
             for i in range(30)]
    _edges(tmp_path / "in" / "w1.csv", week1)
    config = tmp_path / "scout.toml"
    config.write_text(f"""
[store]
uri = "sqlite:///.scout/scout.db"

[[sources.files]]
type = "edges"
glob = "in/*.csv"

[listening.themes.acme]
kind = "brand"
keywords = ["acme"]

[listening.themes.rival]
kind = "competitor"
keywords = ["rivalco"]

[alerts]
top = 3
segments = ["all"]
share_change = 0.2
app_url = "http://127.0.0.1:8501"
webhook_url_env = "TEST_HOOK"

[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
starttls = false
from = "scout@acme.example"
to = ["cm@acme.example"]
""", encoding="utf-8")
    env = {"TEST_HOOK": hook.url, "SCOUT_STORE": None}
    run = CliRunner().invoke
    first = run(cli, ["refresh", "--config", str(config), "--no-progress", "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["alerts"]["sent"] == []  # the baseline
    assert hook.bodies == [] and smtp.messages == []

    # week 2: zed takes over, talking about RivalCo
    week2 = [(f"g{i}", "zed", f"2026-11-{17 + i % 4:02d}T10:00:00Z", "rivalco is better")
             for i in range(60)]
    _edges(tmp_path / "in" / "w2.csv", week2)
    second = run(cli, ["refresh", "--config", str(config), "--no-progress", "--json"], env=env)
    assert second.exit_code == 0, second.output
    sent = {a["key"] for a in json.loads(second.stdout)["alerts"]["sent"]}
    assert "top:all leaders:generic:zed" in sent
    assert "top:theme rival:generic:zed" in sent
    assert {"sov:rival:2026-11-16", "sov:acme:2026-11-16"} <= sent
    (body,) = hook.bodies
    assert "@zed entered the all leaders top 3" in body["text"]
    assert "share of voice of rival rose from 0% to 100%" in body["text"]
    assert "http://127.0.0.1:8501/listening" in body["text"]
    (_, mail), = smtp.messages
    assert "@zed entered the all leaders top 3" in mail

    # nothing new: nothing sent again
    third = run(cli, ["refresh", "--config", str(config), "--no-progress", "--json"], env=env)
    assert third.exit_code == 0, third.output
    assert json.loads(third.stdout)["alerts"]["sent"] == []
    assert len(hook.bodies) == 1 and len(smtp.messages) == 1


def test_alert_settings_are_checked(tmp_path):
    from ingest.ops.config import parse_config

    with pytest.raises(ConfigError) as err:
        parse_config({"alerts": {"top": 0, "segments": ["vip"], "period": "year",
                                 "share_change": 3, "email": {"to": ["a@b.example"]}}})
    msg = str(err.value)
    for expected in ("alerts.top: must be positive", "alerts.segments: one of",
                     "alerts.period: day, week or month", "alerts.share_change",
                     "alerts.email.host: required"):
        assert expected in msg, msg
    cfg = parse_config({"alerts": {"webhook_url_env": "HOOK"}})
    assert cfg.alerts.top == 10 and cfg.alerts.segments == ("external",)
