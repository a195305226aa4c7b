"""Generated company-channel inputs for the tests: Slack exports, mailboxes (stdlib only)."""

from __future__ import annotations

import json
import mailbox
import random
import zipfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def slack_users(n: int) -> list[dict]:
    users = [
        {
            "id": f"U{i:07d}",
            "name": f"user{i}",
            "real_name": f"User Number{i}",
            "deleted": i == 3,
            "is_bot": False,
            "profile": {"email": f"user{i}@acme.example", "real_name": f"User Number{i}"},
        }
        for i in range(n)
    ]
    users.append({"id": "UBOT00001", "name": "deploybot", "is_bot": True, "deleted": False,
                  "profile": {"real_name": "Deploy Bot"}})
    return users


def write_export(root: Path, files: dict[str, object], as_zip: bool) -> Path:
    """Write ``{member: json-able}`` as a folder or a zip; returns its path."""
    if as_zip:
        path = root.with_suffix(".zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                z.writestr(name, data if isinstance(data, str | bytes) else json.dumps(data))
        return path
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data if isinstance(data, str) else json.dumps(data))
    return root


def ts(when: datetime, seq: int = 0) -> str:
    return f"{int(when.timestamp())}.{seq:06d}"


def big_slack_files(n_messages: int = 20_000, n_users: int = 300, days: int = 40, seed: int = 1) -> dict:
    """A plausible export: channels, threads, mentions, reactions, and a few broken records."""
    rng = random.Random(seed)
    users = slack_users(n_users)
    channels = [{"id": f"C{c:08d}", "name": f"chan-{c}", "members": []} for c in range(8)]
    files: dict[str, object] = {"users.json": users, "channels.json": channels}
    per_day = max(1, n_messages // (days * len(channels)))
    for c in channels:
        roots: list[tuple[str, str]] = []
        for d in range(days):
            day = T0 + timedelta(days=d)
            msgs: list[object] = []
            for k in range(per_day):
                author = f"U{rng.randrange(n_users):07d}"
                stamp = ts(day + timedelta(seconds=k * 7), k)
                m: dict = {"type": "message", "user": author, "ts": stamp, "text": "hello"}
                if roots and rng.random() < 0.4:
                    parent_ts, _ = rng.choice(roots)
                    m["thread_ts"] = parent_ts
                else:
                    roots.append((stamp, author))
                if rng.random() < 0.3:
                    m["text"] = f"<@U{rng.randrange(n_users):07d}> have a look"
                if rng.random() < 0.2:
                    m["reactions"] = [{"name": "+1", "users": [f"U{rng.randrange(n_users):07d}"], "count": 1}]
                msgs.append(m)
            if d % 13 == 7:
                msgs.append({"type": "message", "text": "no author", "ts": ts(day, 999)})
            files[f"{c['name']}/{day:%Y-%m-%d}.json"] = msgs
    return files


def small_slack_files() -> dict:
    """Every edge rule once: a thread, mentions in text and blocks, reactions, a DM, a group DM."""
    users = slack_users(5)
    day = T0
    general = [
        {"type": "message", "user": "U0000000", "ts": ts(day, 1), "text": "Launch plan is up",
         "thread_ts": ts(day, 1), "reply_count": 2},
        # a reply without parent_user_id: the parent's author is found by thread_ts
        {"type": "message", "user": "U0000001", "ts": ts(day, 2), "text": "Looks good <@U0000002|user2>",
         "thread_ts": ts(day, 1)},
        {"type": "message", "user": "U0000002", "ts": ts(day, 3), "text": "thanks",
         "thread_ts": ts(day, 1), "parent_user_id": "U0000000",
         "reactions": [{"name": "tada", "users": ["U0000000", "U0000004"], "count": 2}]},
        {"type": "message", "subtype": "channel_join", "user": "U0000004", "ts": ts(day, 4),
         "text": "<@U0000004> has joined the channel"},
        {"type": "message", "user": "U0000004", "ts": ts(day, 5), "text": "ping",
         "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
             {"type": "user", "user_id": "U0000001"}, {"type": "text", "text": " ping"}]}]}]},
        {"type": "message", "subtype": "bot_message", "bot_id": "B0000001", "username": "ci",
         "ts": ts(day, 6), "text": "build passed",
         "reactions": [{"name": "+1", "users": ["U0000001"], "count": 1}]},
    ]
    return {
        "users.json": users,
        "channels.json": [{"id": "C0000001", "name": "general", "members": ["U0000000", "U0000001"]}],
        "dms.json": [{"id": "D0000001", "members": ["U0000000", "U0000001"]}],
        "mpims.json": [{"id": "G0000001", "name": "mpdm-user0--user1--user2-1",
                        "members": ["U0000000", "U0000001", "U0000002"]}],
        f"general/{day:%Y-%m-%d}.json": general,
        f"D0000001/{day:%Y-%m-%d}.json": [
            {"type": "message", "user": "U0000001", "ts": ts(day, 7), "text": "secret plan"}],
        f"mpdm-user0--user1--user2-1/{day:%Y-%m-%d}.json": [
            {"type": "message", "user": "U0000002", "ts": ts(day, 8), "text": "lunch?"}],
    }


def mail_message(i: int, sender: str, to: list[str], cc: list[str] = (), when: datetime = T0,
                 reply_to: str | None = None, subject: str = "Quarterly plan") -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"Person {sender.split('@')[0]} <{sender}>"
    m["To"] = ", ".join(to)
    if cc:
        m["Cc"] = ", ".join(cc)
    m["Subject"] = subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = f"<msg{i}@mail.acme.example>"
    if reply_to:
        m["In-Reply-To"] = f"<{reply_to}>"
        m["References"] = f"<{reply_to}>"
    m.set_content("Body text that must never be stored.\n")
    return m


def big_mbox(path: Path, n: int = 6000, n_people: int = 200, seed: int = 2) -> Path:
    """An mbox of ``n`` mails among ``n_people`` addresses, with replies and a few broken ones."""
    rng = random.Random(seed)
    box = mailbox.mbox(str(path), create=True)
    box.lock()
    try:
        for i in range(n):
            people = [f"p{rng.randrange(n_people)}@acme.example" for _ in range(1 + rng.randrange(4))]
            reply = f"msg{rng.randrange(i)}@mail.acme.example" if i and rng.random() < 0.3 else None
            m = mail_message(i, f"p{rng.randrange(n_people)}@acme.example", people,
                             when=T0 + timedelta(minutes=i), reply_to=reply)
            if i % 997 == 500:
                del m["From"]
            box.add(m)
    finally:
        box.unlock()
        box.close()
    return path


def teams_message(mid: str, user: str, when: datetime, reply_to: str | None = None,
                  mentions: tuple[str, ...] = (), reactions: tuple[tuple[str, str], ...] = (),
                  channel: str | None = "19:general@thread.tacv2", chat: str | None = None,
                  kind: str = "message", text: str = "<p>Hello <at id=\"0\">team</at></p>") -> dict:
    """A Graph chatMessage with the fields of the v1.0 reference."""
    def identity(uid: str) -> dict:
        return {"application": None, "device": None,
                "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": uid,
                         "displayName": f"Name {uid}", "userIdentityType": "aadUser"}}

    return {
        "id": mid, "replyToId": reply_to, "etag": mid, "messageType": kind,
        "createdDateTime": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "lastModifiedDateTime": None, "deletedDateTime": None, "subject": None,
        "importance": "normal", "locale": "en-us", "webUrl": None,
        "chatId": chat,
        "channelIdentity": {"teamId": "team-1", "channelId": channel} if channel else None,
        "from": identity(user) if kind == "message" else None,
        "body": {"contentType": "html", "content": text},
        "attachments": [],
        "mentions": [{"id": i, "mentionText": u, "mentioned": identity(u)} for i, u in enumerate(mentions)],
        "reactions": [{"reactionType": r, "createdDateTime": when.isoformat(), "user": identity(u)}
                      for u, r in reactions],
    }


def big_teams(path: Path, n: int = 12_000, n_users: int = 300, seed: int = 4) -> Path:
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(n):
            user = f"user-{rng.randrange(n_users):04d}"
            reply = f"{rng.randrange(i)}" if i and rng.random() < 0.5 else None
            mentions = (f"user-{rng.randrange(n_users):04d}",) if rng.random() < 0.4 else ()
            reactions = ((f"user-{rng.randrange(n_users):04d}", "like"),) if rng.random() < 0.3 else ()
            m = teams_message(str(i), user, T0 + timedelta(minutes=i), reply, mentions, reactions)
            f.write(json.dumps(m) + "\n")
            if i % 997 == 500:
                f.write('{"id": "broken", "messageType": "message"}\n')
    return path


ENGAGE_MESSAGE_COLUMNS = (
    "id", "replied_to_id", "thread_id", "conversation_id", "group_id", "group_name", "participants",
    "in_private_group", "in_private_conversation", "sender_id", "sender_type", "sender_name",
    "sender_email", "body", "api_url", "attachments", "deleted_by_id", "deleted_by_type",
    "created_at", "deleted_at",
)
ENGAGE_USER_COLUMNS = ("id", "name", "email", "job_title", "location", "department", "api_url",
                       "deleted_by_id", "deleted_by_type", "joined_at", "deleted_at",
                       "suspended_by_id", "suspended_by_type", "suspended_at", "guid", "state")


def csv_text(columns, rows) -> str:
    import csv
    import io

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(columns))
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    return out.getvalue()


def engage_message(mid: int, sender: int, when: datetime, reply_to: int | None = None,
                   group: str = "All Company", private_with: tuple[int, ...] = (), **kw) -> dict:
    row = {
        "id": str(mid), "replied_to_id": str(reply_to) if reply_to else "", "thread_id": str(reply_to or mid),
        "group_id": "" if private_with else "77", "group_name": "" if private_with else group,
        "participants": ",".join(f"user:{p}" for p in (sender, *private_with)) if private_with else "",
        "in_private_group": "false", "in_private_conversation": "true" if private_with else "false",
        "sender_id": str(sender), "sender_type": "user", "sender_name": f"Person {sender}",
        "sender_email": f"person{sender}@acme.example", "body": "Body, with a comma\nand a line",
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    row.update(kw)
    return row


def engage_users(n: int) -> list[dict]:
    return [{"id": str(i), "name": f"Person {i}", "email": f"person{i}@acme.example",
             "job_title": "Engineer", "department": "R&D", "state": "active"} for i in range(1, n + 1)]


def big_engage_files(n: int = 12_000, n_users: int = 300, seed: int = 5) -> dict:
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        reply = rng.randrange(1, i) if i > 1 and rng.random() < 0.7 else None
        rows.append(engage_message(i, rng.randrange(1, n_users + 1), T0 + timedelta(minutes=i), reply,
                                   group=f"group-{i % 5}"))
        if i % 997 == 500:
            rows.append(engage_message(100_000 + i, 1, T0, created_at="last tuesday"))
    return {"Messages.csv": csv_text(ENGAGE_MESSAGE_COLUMNS, rows),
            "Users.csv": csv_text(ENGAGE_USER_COLUMNS, engage_users(n_users))}
