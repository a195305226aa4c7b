"""LinkedIn end to end: a member's export through the job and the CLI, and an organisation's
comments through the Community Management API against a local server (documented shapes)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from urllib.parse import quote

import pytest

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.jobs import import_source
from tests.conftest import FIXTURES, REPO
from tests.ingest.connector_checks import edge_keys, fetch, kill_and_rerun_equals_clean, replay
from tests.ingest.routeserver import RouteApi

LI = FIXTURES / "ingest" / "linkedin"
ORG = "urn:li:organization:2414183"
TOKEN = "AQX-linkedin-token-s3cr3t"
POST = "urn:li:share:7190000000000000001"
HEADER = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
          "DATE,SUBJECT,CONTENT,FOLDER\n")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def test_export_import_and_reimport(store):
    run = import_source(store, LI, "linkedin")
    assert run.status == "partial" and run.rejected == 2 and run.inserted == 5
    assert run.summary["connections"] == 3 and run.summary["messages"] == 4
    member = store.accounts(["linkedin:jane-doe-1a2b3c"]).iloc[0]
    assert member["followers"] == 3 and member["name"] == "Jane Doe"
    inter = store.interactions()
    assert set(inter["kind"]) == {"message"} and inter["text"].isna().all()
    again = import_source(store, LI, "linkedin")
    assert again.inserted == 0 and again.duplicates == 5
    # the connections' names, e-mails, employers and positions are nowhere in the store
    text = json.dumps(store.accounts().astype(str).to_dict("records"))
    assert "Northwind" not in text and "li.wei@example.org" not in text and "Developer Advocate" not in text


def test_cli_export_and_bad_inputs(tmp_path):
    uri = f"sqlite:///{tmp_path}/s.db"
    ok = cli("--store", uri, "ingest", "linkedin", "export", str(LI / "messages.csv"), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["inserted"] == 5
    assert f"{LI / 'messages.csv'}:6: no sender profile URL" in ok.stderr
    missing = cli("--store", uri, "ingest", "linkedin", "export", str(tmp_path / "nope.zip"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    other = tmp_path / "Invitations.csv"
    other.write_text("From,To,Sent At\n")
    wrong = cli("--store", uri, "ingest", "linkedin", "export", str(other))
    assert wrong.returncode == 2 and "neither LinkedIn's messages.csv" in wrong.stderr
    for proc in (missing, wrong):
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_export_killed_then_rerun_equals_clean_run(tmp_path):
    from graph.sqlite_store import SqliteStore

    rng = random.Random(7)
    rows = [HEADER]
    for i in range(6000):
        a, b = rng.sample(range(300), 2)
        rows.append(f"2-conv{a % 50},,P {a},https://www.linkedin.com/in/p{a},P {b},"
                    f"https://www.linkedin.com/in/p{b},2024-0{1 + i % 9}-1{i % 10} 10:{i % 60:02d}:00 UTC,,"
                    f"\"message {i}\",INBOX\n")
    path = tmp_path / "messages.csv"
    path.write_text("".join(rows))
    a, b = SqliteStore(tmp_path / "a.db"), SqliteStore(tmp_path / "b.db")
    try:
        kill_and_rerun_equals_clean(a, b, ("ingest", "linkedin", "export", str(path), "--batch-size",
                                           "200", "--json"), 200)
    finally:
        a.close()
        b.close()


# -- the Community Management API -------------------------------------------------------------


def comments_path(urn: str) -> str:
    return f"/rest/socialActions/{quote(urn, safe='')}/comments"


def serve(api: RouteApi) -> None:
    page = json.loads((LI / "org_comments.json").read_text())
    first = dict(page["elements"][0], commentsSummary={"aggregatedTotalComments": 1})
    api.on("GET", "/rest/posts", {"paging": {"start": 0, "count": 50, "links": [], "total": 1},
                                  "elements": [{"id": POST, "author": ORG, "createdAt": 1714640000000,
                                                "lastModifiedAt": 1714640000000}]})
    api.on("GET", comments_path(POST), {"paging": {"start": 0, "count": 100, "total": 2},
                                        "elements": [first, page["elements"][2]]})
    api.on("GET", comments_path(first["commentUrn"]), {"paging": {"start": 0, "count": 100, "total": 1},
                                                       "elements": [page["elements"][1]]})


@pytest.fixture
def linkedin(monkeypatch):
    with RouteApi() as api:
        env = {"LINKEDIN_ACCESS_TOKEN": TOKEN, "SCOUT_LINKEDIN_API_BASE": api.base_url}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        yield api, env


def test_org_comments_and_replies(linkedin, sqlite_store, tmp_path):
    api, env = linkedin
    serve(api)
    run, waits = fetch(sqlite_store, "linkedin", "org", "https://www.linkedin.com/company/2414183/",
                       env, tmp_path / "raw")
    assert run.status == "ok" and run.source == "linkedin:org:2414183"
    assert {(k, s, t) for _, _, k, s, t in edge_keys(sqlite_store)} == {
        ("comment", "linkedin:urn:li:person:HZ2jFZ2Vs3", f"linkedin:{ORG}"),
        ("reply", "linkedin:urn:li:person:Qw3rTy1234", "linkedin:urn:li:person:HZ2jFZ2Vs3"),
        ("reply", f"linkedin:{ORG}", "linkedin:urn:li:person:HZ2jFZ2Vs3"),
    }
    first = api.requests[0]
    assert first.path == "/rest/posts" and first.params["author"] == ORG
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["X-Restli-Protocol-Version"] == "2.0.0" and first.headers["LinkedIn-Version"]
    assert TOKEN not in "".join(p.read_text() for p in (tmp_path / "raw").rglob("*.jsonl"))
    assert waits.calls == []


def test_org_retries_errors_replay_and_reingest(linkedin, sqlite_store, tmp_path):
    from graph.sqlite_store import SqliteStore

    api, env = linkedin
    serve(api)
    api.once("GET", "/rest/posts", {"message": "Too many requests", "status": 429}, 429, {"Retry-After": "2"})
    api.once("GET", comments_path(POST), {"message": "Internal error", "status": 500}, 500)
    run, waits = fetch(sqlite_store, "linkedin", "org", "2414183", env, tmp_path / "raw")
    assert run.inserted == 3
    assert waits.calls == [(2.0, f"{'LinkedIn Community Management API'} rate limit"),
                           (1.0, "LinkedIn Community Management API server error 500")]
    again, _ = fetch(sqlite_store, "linkedin", "org", "2414183", env, tmp_path / "raw", since="2024-01-01")
    assert again.inserted == 0 and again.duplicates == 3
    other = SqliteStore(tmp_path / "replayed.db")
    try:
        replay(other, tmp_path / "raw", "linkedin")
        assert edge_keys(other) == edge_keys(sqlite_store)
    finally:
        other.close()
    api.on("GET", "/rest/posts", {"message": "down"}, 503)
    with pytest.raises(ApiError, match="server error 503 after 5 retries"):
        fetch(sqlite_store, "linkedin", "org", "2414183", env, tmp_path / "raw", since="2024-01-01")


def test_org_access_errors_are_clear(linkedin, sqlite_store, tmp_path):
    api, env = linkedin
    with pytest.raises(ApiAuthError, match="LINKEDIN_ACCESS_TOKEN"):
        fetch(sqlite_store, "linkedin", "org", "2414183", {}, tmp_path / "raw")
    api.on("GET", "/rest/posts", {"message": "Invalid access token", "status": 401}, 401)
    with pytest.raises(ApiAuthError, match="refused the token"):
        fetch(sqlite_store, "linkedin", "org", "2414183", env, tmp_path / "raw")
    api.on("GET", "/rest/posts", {"message": "Not enough permissions", "status": 403}, 403)
    with pytest.raises(ApiAuthError, match="approved for the Community Management API"):
        fetch(sqlite_store, "linkedin", "org", "2414183", env, tmp_path / "raw")
    with pytest.raises(InputError, match="numeric id or URN"):
        fetch(sqlite_store, "linkedin", "org", "acme-corp", env, tmp_path / "raw")


@pytest.mark.slow
def test_org_killed_then_rerun_equals_clean_run(tmp_path, monkeypatch):
    from graph.sqlite_store import SqliteStore

    def comment(post: int, j: int) -> dict:
        actor = f"urn:li:person:Fan{j:04d}"
        cid = f"{7190000000000100000 + post * 100 + j}"
        activity = f"urn:li:activity:{7190000000000000000 + post}"
        at = {"actor": actor, "time": 1714640000000 + post * 60_000 + j}
        return {"actor": actor, "agent": actor, "id": cid, "object": activity,
                "commentUrn": f"urn:li:comment:({activity},{cid})",
                "$URN": f"urn:li:comment:({activity},{cid})", "created": at, "lastModified": at,
                "message": {"attributes": [], "text": f"comment {j}"}}

    posts = [f"urn:li:share:{7190000000000000000 + i}" for i in range(30)]
    with RouteApi() as api:
        api.on("GET", "/rest/posts", {"paging": {"start": 0, "count": 50, "links": [], "total": 30},
                                      "elements": [{"id": p, "author": ORG, "createdAt": 1714640000000,
                                                    "lastModifiedAt": 1714640000000} for p in posts]})
        for i, p in enumerate(posts):
            api.on("GET", comments_path(p), {"paging": {"start": 0, "count": 100, "total": 20},
                                             "elements": [comment(i, j) for j in range(20)]})
        # The CLI runs in a subprocess, which inherits these.
        monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("SCOUT_LINKEDIN_API_BASE", api.base_url)
        a, b = SqliteStore(tmp_path / "a.db"), SqliteStore(tmp_path / "b.db")
        try:
            kill_and_rerun_equals_clean(a, b, ("ingest", "linkedin", "org", "2414183", "--batch-size", "20",
                                               "--raw-dir", str(tmp_path / "raw"), "--json"), 20)
        finally:
            a.close()
            b.close()
