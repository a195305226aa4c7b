"""E-mail: mbox, Maildir and .eml folders; weights, replies, dedup, privacy — on both stores."""

from __future__ import annotations

import email
import gzip
import mailbox
import subprocess
import sys
from datetime import timedelta
from email.policy import compat32

import pytest

from graph.errors import InputError
from ingest.jobs import import_source
from ingest.mail import iter_mbox, message_ids, parse_headers
from tests.conftest import REPO
from tests.ingest.company_fixtures import T0, mail_message


def _mails():
    ann, bob, cy, dee = "ann@acme.example", "bob@acme.example", "cy@acme.example", "dee@partner.example"
    return [
        mail_message(1, ann, [bob, cy], cc=[dee], subject="Roadmap"),
        mail_message(2, bob, [ann], when=T0 + timedelta(hours=1), reply_to="msg1@mail.acme.example",
                     subject="Re: Roadmap"),
        mail_message(3, cy, [bob], when=T0 + timedelta(hours=2)),
    ]


def _mbox(path, mails):
    box = mailbox.mbox(str(path), create=True)
    for m in mails:
        box.add(m)
    box.close()
    return path


def _edges(store):
    df = store.interactions()
    return sorted(zip(df["kind"], df["source"], df["target"], df["weight"].round(4), strict=True))


def test_mbox_edges_weights_and_replies(store, tmp_path):
    path = _mbox(tmp_path / "box.mbox", _mails())
    run = import_source(store, path, "mail", internal_domains=("acme.example",))
    assert run.status == "ok" and run.read == 3
    e = "email:"
    assert _edges(store) == [
        ("message", e + "ann@acme.example", e + "bob@acme.example", 0.3333),
        ("message", e + "ann@acme.example", e + "cy@acme.example", 0.3333),
        ("message", e + "ann@acme.example", e + "dee@partner.example", 0.3333),
        ("message", e + "bob@acme.example", e + "ann@acme.example", 1.0),
        ("message", e + "cy@acme.example", e + "bob@acme.example", 1.0),
        ("reply", e + "bob@acme.example", e + "ann@acme.example", 1.0),
    ]
    df = store.interactions()
    assert df["text"].isna().all()  # headers only: no subject, no body
    acc = store.accounts().set_index("key")
    assert acc.loc[e + "ann@acme.example", "name"] == "Person ann"
    assert bool(acc.loc[e + "ann@acme.example", "internal"])
    assert not bool(acc.loc[e + "dee@partner.example", "internal"])
    again = import_source(store, path, "mail")
    assert again.inserted == 0 and again.duplicates == 6


def test_same_mail_in_maildir_eml_and_mbox_is_stored_once(sqlite_store, tmp_path):
    mails = _mails()
    _mbox(tmp_path / "sent.mbox", mails[:2])
    md = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for m in mails:
        md.add(m)
    md.close()
    eml = tmp_path / "eml"
    eml.mkdir()
    (eml / "three.eml").write_bytes(mails[2].as_bytes())
    run = import_source(
        sqlite_store, [tmp_path / "sent.mbox", tmp_path / "Maildir", eml], "mail", subjects=True
    )
    assert run.read == 6 and run.inserted == 6 and run.duplicates == 6
    texts = set(sqlite_store.interactions()["text"])
    assert texts == {"Roadmap", "Re: Roadmap", "Quarterly plan"}  # --subjects keeps subjects
    assert "never be stored" not in "".join(texts)


def test_reply_to_a_mail_of_an_earlier_import(store, tmp_path):
    mails = _mails()
    import_source(store, _mbox(tmp_path / "a.mbox", mails[:1]), "mail")
    run = import_source(store, _mbox(tmp_path / "b.mbox", mails[1:2]), "mail")
    assert run.inserted == 2
    assert ("reply", "email:bob@acme.example", "email:ann@acme.example", 1.0) in _edges(store)


def test_gzip_mbox_and_references(sqlite_store, tmp_path):
    m = mail_message(9, "eve@acme.example", ["ann@acme.example"], reply_to=None)
    m["References"] = "<unknown@x> <msg1@mail.acme.example>"
    raw = _mbox(tmp_path / "x.mbox", [_mails()[0], m]).read_bytes()
    gz = tmp_path / "x.mbox.gz"
    gz.write_bytes(gzip.compress(raw))
    import_source(sqlite_store, gz, "mail")
    assert ("reply", "email:eve@acme.example", "email:ann@acme.example", 1.0) in _edges(sqlite_store)


def test_bad_mails_are_reported_with_file_and_line(sqlite_store, tmp_path):
    # compat32 messages take any header value, as a broken mailer writes it
    mails = [email.message_from_bytes(m.as_bytes(), policy=compat32) for m in _mails()]
    del mails[1]["Date"]
    mails[1]["Date"] = "the day after tomorrow"
    del mails[2]["From"]
    mails[2]["From"] = "nobody"
    path = _mbox(tmp_path / "bad.mbox", mails)
    starts = [where for where, _ in iter_mbox(path)]
    messages: list[str] = []
    run = import_source(sqlite_store, path, "mail", report=messages.append)
    assert run.status == "partial" and run.rejected == 2 and run.inserted == 3
    assert messages == [
        f"{starts[1]}: unreadable Date 'the day after tomorrow'",
        f"{starts[2]}: no valid From address",
    ]
    assert starts[1].startswith(f"{path}:") and int(starts[1].rsplit(":", 1)[1]) > 1
    with pytest.raises(InputError, match="--strict"):
        import_source(sqlite_store, path, "mail", strict=True)
    with pytest.raises(InputError, match="no such file"):
        import_source(sqlite_store, tmp_path / "nope.mbox", "mail")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no Maildir, mbox or .eml"):
        import_source(sqlite_store, tmp_path / "empty", "mail")


def test_cli_mail(tmp_path):
    path = _mbox(tmp_path / "box.mbox", _mails())
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", f"sqlite:///{tmp_path / 's.db'}",
         "ingest", "mail", str(path), str(tmp_path / "missing"), "--internal-domain", "@Acme.example"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2 and "missing: no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", f"sqlite:///{tmp_path / 's.db'}",
         "ingest", "mail", str(path), "--internal-domain", "@Acme.example"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "inserted 6" in proc.stdout


def test_header_helpers():
    assert message_ids("  <a@b>\n <c@d>") == ["a@b", "c@d"]
    raw = (b"From: =?utf-8?q?J=C3=BCrgen?= <J@Acme.example>\r\nTo: a@acme.example, J@acme.example\r\n"
           b"Date: Mon, 2 Mar 2026 09:00:00 +0100\r\n\r\nbody")
    h = parse_headers(raw, "x")
    assert (h.sender, h.sender_name) == ("j@acme.example", "Jürgen")
    assert h.recipients == [("a@acme.example", None)]  # the sender is not their own recipient
    assert h.at.hour == 8 and h.message_id.startswith("row:")


def test_bytes_that_are_not_utf8_never_break_an_import(sqlite_store, tmp_path):
    path = tmp_path / "odd.mbox"
    path.write_bytes(
        b"From x\nFrom: =?utf-8?b?/w==?= <a@b.io>\nTo: \xff\xfe@c.io, \"Weird, Name\" <d@e.io>\n"
        b"Date: Mon, 2 Mar 2026 09:00:00 +0100\n\n\xff body\n"
    )
    run = import_source(sqlite_store, path, "mail")
    assert run.status == "ok" and run.inserted == 1  # only the valid recipient
    assert sqlite_store.get_account("email:d@e.io")["name"] == "Weird, Name"
