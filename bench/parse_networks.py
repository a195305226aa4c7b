"""Parse-speed benchmark of the Reddit, blog, LinkedIn and Facebook parsers.

Times each parser alone (no network, no store) on:

* **Reddit**: the real recorded 476-comment thread and its ``/api/morechildren``
  answer (``../shared/real-samples/reddit``), parsed ``--repeat`` times, each
  time as a fresh run;
* **blogs**: every real RSS/Atom sample (``../shared/real-samples/rss``), with
  the feeds' links matched against a list of blogs and company domains;
* **LinkedIn**: a generated ``messages.csv`` of ``--rows`` rows in LinkedIn's
  column layout;
* **Facebook**: generated Graph API comment pages (100 comments a page, a
  third of them replies) of ``--rows`` comments.

Without the shared real samples the Reddit and blog parts are skipped (they
never run on made-up data). Prints records/s and interactions/s per parser;
``--json`` prints the figures as JSON.

Usage::

    python bench/parse_networks.py
    python bench/parse_networks.py --repeat 50 --rows 200000 --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.raw_archive import archive_record  # noqa: E402
from ingest.records import Parsed  # noqa: E402

SAMPLES = REPO.parent / "shared" / "real-samples"


def _figure(name: str, records: int, edges: int, seconds: float, unit: str) -> dict:
    return {"parser": name, "unit": unit, "records": records, "interactions": edges,
            "seconds": round(seconds, 4), "records_per_s": round(records / seconds),
            "interactions_per_s": round(edges / seconds)}


def bench_reddit(repeat: int) -> dict | None:
    from ingest.reddit_parse import RedditState, parse_response

    path = SAMPLES / "reddit" / "bodies" / "TestMore.test_comments.json"
    if not path.exists():
        return None
    records = json.loads(path.read_text())
    bodies = [r["body"] for r in sorted(records, key=lambda r: r["method"] != "GET")]
    archived = [archive_record(b, {"call": "comments"}) for b in bodies]
    start = time.perf_counter()
    total = Parsed()
    for _ in range(repeat):
        state = RedditState()
        for rec in archived:
            total.extend(parse_response(rec, state))
    return _figure("reddit", total.posts, len(total.interactions), time.perf_counter() - start,
                   "comments")


def bench_blogs(repeat: int) -> dict | None:
    from ingest.blog_parse import BlogState, parse_response

    feeds = sorted((SAMPLES / "rss").glob("*/*.xml"))
    if not feeds:
        return None
    meta = {"call": "feed", "blogs": ["https://www.troyhunt.com/", "http://touchnokia.ru/"],
            "domains": ["cloudflare.com", "savecase.ru"]}
    archived = [archive_record({"xml": p.read_text(encoding="utf-8", errors="replace")},
                               {**meta, "feed": p.name}) for p in feeds]
    start = time.perf_counter()
    total = Parsed()
    for _ in range(repeat):
        state = BlogState()
        for rec in archived:
            total.extend(parse_response(rec, state))
    return _figure("blog (feedparser)", total.posts, len(total.interactions),
                   time.perf_counter() - start, "entries")


def make_messages(rows: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    out = ["CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
           "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS\n"]
    for i in range(rows):
        a, b, c = rng.sample(range(5000), 3)
        group = i % 5 == 0
        to = f"https://www.linkedin.com/in/member-{b} https://www.linkedin.com/in/member-{c}" \
            if group else f"https://www.linkedin.com/in/member-{b}"
        out.append(f"2-conv{a % 900},,Member {a},https://www.linkedin.com/in/member-{a},\"Member {b}\","
                   f"{to},2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00 UTC,,"
                   f"\"Hello, message {i}\nsecond line\",INBOX,\n")
    return "".join(out)


def bench_linkedin(rows: int) -> dict:
    from ingest.linkedin import iter_message_chunks

    text = make_messages(rows)
    start = time.perf_counter()
    read = edges = 0
    for chunk in iter_message_chunks(text, "messages.csv"):
        read += chunk.read
        edges += len(chunk.interactions)
    return _figure("linkedin messages.csv", read, edges, time.perf_counter() - start, "messages")


def make_comment_pages(rows: int, seed: int = 2) -> list[dict]:
    rng = random.Random(seed)
    pages, data = [], []
    for i in range(rows):
        c = {"id": f"7123_{i}", "from": {"id": str(5550000 + rng.randrange(20000)), "name": "Fan"},
             "message": "Great #launch", "created_time": f"2024-05-{1 + i % 28:02d}T09:{i % 60:02d}:00+0000"}
        if i % 3 == 1:
            c["parent"] = {"id": f"7123_{i - 1}", "from": {"id": "5550001", "name": "Fan"}}
        data.append(c)
        if len(data) == 100:
            pages.append({"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}})
            data = []
    if data:
        pages.append({"data": data})
    return pages


def bench_facebook(rows: int) -> dict:
    from ingest.facebook_parse import FacebookState, parse_response

    archived = [archive_record(p, {"call": "comments", "page_id": "104830475231234"})
                for p in make_comment_pages(rows)]
    start = time.perf_counter()
    total = Parsed()
    state = FacebookState()
    for rec in archived:
        total.extend(parse_response(rec, state))
    return _figure("facebook comments", total.posts, len(total.interactions),
                   time.perf_counter() - start, "comments")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20, help="Passes over the real samples.")
    ap.add_argument("--rows", type=int, default=100_000, help="Generated LinkedIn/Facebook rows.")
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = ap.parse_args(argv)
    figures = [f for f in (bench_reddit(args.repeat), bench_blogs(args.repeat),
                           bench_linkedin(args.rows), bench_facebook(args.rows)) if f]
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    if not (SAMPLES / "reddit").exists():
        print("(../shared/real-samples absent: Reddit and blog parsers not measured)")
    for f in figures:
        print(f"{f['parser']:<24} {f['records']:>9,} {f['unit']:<9} {f['seconds']:>7.2f} s   "
              f"{f['records_per_s']:>9,} {f['unit']}/s   {f['interactions_per_s']:>9,} interactions/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
