"""LinkedIn: a member's data export (messages.csv, Connections.csv with its preamble) and
organisation page comments, on fixtures of the documented shapes (tests/fixtures/ingest/linkedin)."""

from __future__ import annotations

import doctest
import json
import zipfile

import pytest

import ingest.linkedin
from graph.errors import InputError
from ingest.linkedin import (
    LinkedInExport,
    OrgState,
    count_connections,
    iter_export_chunks,
    member_id,
)
from tests.conftest import FIXTURES
from tests.ingest.conftest import collect

LI = FIXTURES / "ingest" / "linkedin"


def test_doctests():
    assert doctest.testmod(ingest.linkedin).failed == 0


def test_messages_sender_to_each_recipient_without_text():
    export = LinkedInExport.open(LI / "messages.csv")
    read, accounts, edges, errors, counts = collect(iter_export_chunks(export, None))
    got = sorted((e.source, e.target, round(e.weight, 3)) for e in edges)
    assert got == [
        ("linkedin:jane-doe-1a2b3c", "linkedin:li-wei-88", 0.5),
        ("linkedin:jane-doe-1a2b3c", "linkedin:omarhaddad", 0.5),
        ("linkedin:jane-doe-1a2b3c", "linkedin:omarhaddad", 1.0),
        ("linkedin:omarhaddad", "linkedin:jane-doe-1a2b3c", 1.0),
        ("linkedin:samokafor", "linkedin:jane-doe-1a2b3c", 1.0),
    ]
    assert all(e.kind == "message" and e.text is None for e in edges)
    # a sponsored message has no sender profile; a bad date is located (the multi-line
    # message above it spans two lines, so the row starts on line 7)
    path = str(LI / "messages.csv")
    assert errors == [f"{path}:6: no sender profile URL", f"{path}:7: unreadable date 'yesterday'"]
    assert read == 4 and counts["messages"] == 4
    names = {a.platform_id: a.name for a in accounts if a.name}
    assert names["omarhaddad"] == "Omar Haddad" and names["jane-doe-1a2b3c"] == "Jane Doe"
    # same conversation, date, sender and content → the same post id (re-exports dedupe)
    again = collect(iter_export_chunks(LinkedInExport.open(LI / "messages.csv"), None))[2]
    assert [e.post_id for e in again] == [e.post_id for e in edges]


def test_connections_preamble_and_count_only():
    text = (LI / "Connections.csv").read_text()
    assert text.startswith("Notes:")
    n, errors = count_connections(text, "Connections.csv")
    assert (n, errors) == (3, [])
    export = LinkedInExport.open(LI / "Connections.csv")
    (chunk,) = list(iter_export_chunks(export, "https://www.linkedin.com/in/jane-doe-1a2b3c/"))
    (member,) = chunk.accounts
    assert member.key == "linkedin:jane-doe-1a2b3c" and member.followers == member.following == 3
    assert chunk.interactions == []  # nobody's name, e-mail, employer or position is kept
    (chunk,) = list(iter_export_chunks(export, None))
    assert chunk.accounts == [] and chunk.counts["connections_uncredited"] == 3


def test_the_member_is_the_one_person_in_every_message(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    for name in ("messages.csv", "Connections.csv"):
        (export / name).write_bytes((LI / name).read_bytes())
    chunks = list(iter_export_chunks(LinkedInExport.open(export), None))
    (member,) = chunks[-1].accounts
    assert member.key == "linkedin:jane-doe-1a2b3c" and member.followers == 3


def test_zipped_export(tmp_path):
    z = tmp_path / "Basic_LinkedInDataExport_05-01-2024.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(LI / "messages.csv", "messages.csv")
        f.write(LI / "Connections.csv", "Connections.csv")
        f.writestr("Profile.csv", "First Name,Last Name\nJane,Doe\n")
    export = LinkedInExport.open(z)
    read, accounts, edges, errors, counts = collect(iter_export_chunks(export, "jane-doe-1a2b3c"))
    assert len(edges) == 5 and counts["connections"] == 3
    assert errors[0].startswith(f"{z}:messages.csv:6: ")


def test_bad_inputs_are_clear(tmp_path):
    other = tmp_path / "Invitations.csv"
    other.write_text("From,To,Sent At\n")
    with pytest.raises(InputError, match="neither LinkedIn's messages.csv nor its Connections.csv"):
        LinkedInExport.open(other)
    empty = tmp_path / "export"
    empty.mkdir()
    with pytest.raises(InputError, match="no messages.csv nor Connections.csv"):
        LinkedInExport.open(empty)
    headless = tmp_path / "messages.csv"
    headless.write_text("CONVERSATION ID\nabc\n")
    with pytest.raises(InputError, match="no header with the columns"):
        collect(iter_export_chunks(LinkedInExport.open(headless), None))
    with pytest.raises(InputError, match="--member"):
        collect(iter_export_chunks(LinkedInExport.open(LI / "Connections.csv"),
                                   "https://example.com/jane"))
    binary = tmp_path / "m.csv"
    binary.write_bytes(b"\x00\x01CONVERSATION ID")
    with pytest.raises(InputError, match="binary"):
        LinkedInExport.open(binary)


def test_member_ids():
    assert member_id("https://www.linkedin.com/in/J%C3%BCrgen-M/") == "j%c3%bcrgen-m"
    assert member_id("linkedin.com/in/abc-12") == "abc-12"
    assert member_id("https://www.linkedin.com/company/acme") is None
    assert member_id("") is None


def test_org_comments_comment_to_org_and_replies():
    page = json.loads((LI / "org_comments.json").read_text())
    state = OrgState()
    out = state.parse_comments(page, "urn:li:organization:2414183")
    got = [(e.kind, e.source, e.target) for e in out.interactions]
    assert got == [
        ("comment", "linkedin:urn:li:person:HZ2jFZ2Vs3", "linkedin:urn:li:organization:2414183"),
        ("reply", "linkedin:urn:li:organization:2414183", "linkedin:urn:li:person:HZ2jFZ2Vs3"),
        ("reply", "linkedin:urn:li:person:Qw3rTy1234", "linkedin:urn:li:person:HZ2jFZ2Vs3"),
    ]
    assert out.interactions[0].text == "Congrats on the launch!"
    assert out.interactions[0].at.isoformat().startswith("2024-05-02")
    assert out.newest_id == "2024-05-02T10:53:20.000000Z"
    bad = state.parse_comments({"elements": [{"actor": "x"}, 3]}, "urn:li:organization:1")
    assert bad.errors == ["comment 1: no commentUrn or actor", "comment 2: not an object"]
    assert state.parse_comments([], "urn:li:organization:1").errors == [
        "not a LinkedIn comments page (no elements)"]
