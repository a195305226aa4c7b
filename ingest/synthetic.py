"""Synthetic but real-shaped X API v2 search pages, for benchmarks and tests.

The pages have what ``scout ingest x search`` requests: ``data`` tweets with
``entities`` / ``referenced_tweets`` / ``public_metrics``, ``includes.users``
and ``includes.tweets`` for the expansions, and ``meta`` with ``next_token``.
They are deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_WORDS = (
    "launch release pricing support outage roadmap feature bug thanks love hate great "
    "terrible update api docs team product customer partner event webinar demo"
).split()
_TAGS = ("acme", "AI", "cloud", "devops", "fintech", "launch", "security", "data")


def _user(uid: int) -> dict:
    # Sized like real user objects (~700 bytes, see the real samples): profile
    # image, location and entities come along even though Scout ignores them.
    # The same user looks the same on every page, as within one real search.
    rng = random.Random(uid)
    return {
        "id": str(uid),
        "username": f"user_{uid}",
        "name": f"User {uid} " + rng.choice(_WORDS).title(),
        "created_at": "2014-06-01T12:00:00.000Z",
        "description": "Synthetic account about " + " ".join(rng.choices(_WORDS, k=14)),
        "verified": rng.random() < 0.02,
        "protected": False,
        "location": rng.choice(("Berlin", "Paris", "NYC", "Lagos", "Tokyo", "")),
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{uid}{uid}/abcdefgh_normal.jpg",
        "url": f"https://t.co/u{uid:08d}",
        "entities": {"url": {"urls": [{"start": 0, "end": 23, "url": f"https://t.co/u{uid:08d}",
                                       "expanded_url": f"https://example.com/people/{uid}",
                                       "display_url": f"example.com/people/{uid}"}]}},
        "public_metrics": {
            "followers_count": int(rng.paretovariate(1.2) * 50),
            "following_count": rng.randint(0, 3000),
            "tweet_count": rng.randint(1, 50000),
            "listed_count": rng.randint(0, 200),
        },
    }


def _text_with(mentions: list[int], tags: list[str], rng: random.Random, prefix: str = "") -> tuple[str, dict]:
    text = prefix
    ents: dict = {}
    ms = []
    for uid in mentions:
        start = len(text)
        name = f"user_{uid}"
        text += f"@{name} "
        ms.append({"start": start, "end": start + len(name) + 1, "username": name, "id": str(uid)})
    text += " ".join(rng.choices(_WORDS, k=rng.randint(5, 15)))
    hs = []
    for tag in tags:
        start = len(text) + 1
        text += f" #{tag}"
        hs.append({"start": start, "end": start + len(tag) + 1, "tag": tag})
    if ms:
        ents["mentions"] = ms
    if hs:
        ents["hashtags"] = hs
    return text, ents


def synthetic_pages(
    n_pages: int,
    per_page: int = 100,
    n_users: int = 5000,
    seed: int = 0,
    start: datetime | None = None,
) -> Iterator[dict]:
    """Yield ``n_pages`` search pages of ``per_page`` tweets each.

    Parameters
    ----------
    n_pages : int
    per_page : int
    n_users : int
        Size of the user pool (authors and targets are drawn from it).
    seed : int
    start : datetime, optional
        Time of the first tweet (default 2024-01-01 UTC); later tweets are later.

    Yields
    ------
    dict
        One API v2 page (newest tweets first within a page, as the API sends them).

    Examples
    --------
    >>> page = next(synthetic_pages(1, per_page=10))
    >>> len(page["data"]), page["meta"]["result_count"]
    (10, 10)
    """
    rng = random.Random(seed)
    t0 = start or datetime(2024, 1, 1, tzinfo=UTC)
    next_id = 1_700_000_000_000_000_000
    recent: list[tuple[str, int]] = []  # (tweet id, author) that later tweets may reference
    base_user = 10_000
    for p in range(n_pages):
        tweets = []
        ref_tweets: dict[str, dict] = {}
        users: set[int] = set()
        for _ in range(per_page):
            next_id += rng.randint(1, 1000)
            tid = str(next_id)
            author = base_user + int(rng.paretovariate(1.1)) % n_users
            users.add(author)
            at = t0 + timedelta(seconds=(next_id - 1_700_000_000_000_000_000) // 100_000)
            created = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            tags = rng.sample(_TAGS, k=rng.choice((0, 0, 1, 1, 2)))
            roll = rng.random()
            tweet: dict = {
                "id": tid,
                "author_id": str(author),
                "created_at": created,
                "lang": rng.choice(("en", "en", "en", "de", "fr", "es")),
                "conversation_id": tid,
                "edit_history_tweet_ids": [tid],
                "public_metrics": {
                    "retweet_count": rng.randint(0, 50),
                    "reply_count": rng.randint(0, 10),
                    "like_count": rng.randint(0, 200),
                    "quote_count": rng.randint(0, 5),
                },
            }
            if recent and roll < 0.55:
                ref_id, ref_author = rng.choice(recent)
                users.add(ref_author)
                ref = {
                    "id": ref_id,
                    "author_id": str(ref_author),
                    "created_at": created,
                    "text": "referenced " + " ".join(rng.choices(_WORDS, k=8)),
                    "lang": "en",
                    "conversation_id": ref_id,
                    "edit_history_tweet_ids": [ref_id],
                }
                ref_tweets[ref_id] = ref
                if roll < 0.25:  # repost
                    text, ents = _text_with([ref_author], tags, rng, prefix="RT ")
                    text = text.replace(f"@user_{ref_author} ", f"@user_{ref_author}: ", 1)
                    tweet["referenced_tweets"] = [{"type": "retweeted", "id": ref_id}]
                elif roll < 0.45:  # reply
                    extra = [base_user + rng.randrange(n_users)] if rng.random() < 0.3 else []
                    users.update(extra)
                    text, ents = _text_with([ref_author, *extra], tags, rng)
                    tweet["referenced_tweets"] = [{"type": "replied_to", "id": ref_id}]
                    tweet["in_reply_to_user_id"] = str(ref_author)
                    tweet["conversation_id"] = ref_id
                else:  # quote
                    text, ents = _text_with([], tags, rng)
                    text += f" https://t.co/{ref_id[-8:]}"
                    tweet["referenced_tweets"] = [{"type": "quoted", "id": ref_id}]
            else:
                mentioned = [base_user + rng.randrange(n_users) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
                users.update(mentioned)
                text, ents = _text_with([], tags, rng)
                if mentioned:
                    more, more_ents = _text_with(mentioned, [], rng)
                    offset = len(text) + 1
                    for m in more_ents["mentions"]:
                        m["start"] += offset
                        m["end"] += offset
                    ents["mentions"] = more_ents["mentions"]
                    text = text + " " + more
            # Links and entity annotations, as real tweets carry (~600 bytes of entities).
            link = f"https://t.co/{rng.randrange(16**10):010x}"
            start = len(text) + 1
            text += " " + link
            ents["urls"] = [{"start": start, "end": start + len(link), "url": link,
                             "expanded_url": f"https://news.example.com/{rng.choice(_WORDS)}/{tid}",
                             "display_url": f"news.example.com/{rng.choice(_WORDS)}/…",
                             "status": 200, "title": " ".join(rng.choices(_WORDS, k=8)),
                             "unwound_url": f"https://news.example.com/{tid}"}]
            ents["annotations"] = [{"start": 0, "end": 4, "probability": round(rng.random(), 4),
                                    "type": rng.choice(("Place", "Organization", "Person")),
                                    "normalized_text": rng.choice(_WORDS).title()}]
            tweet["text"] = text
            tweet["entities"] = ents
            tweet["possibly_sensitive"] = False
            tweet["reply_settings"] = "everyone"
            tweets.append(tweet)
            recent.append((tid, author))
            if len(recent) > 2000:
                recent.pop(0)
        tweets.reverse()
        page = {
            "data": tweets,
            "includes": {
                "users": [_user(u) for u in sorted(users)],
                "tweets": list(ref_tweets.values()),
            },
            "meta": {
                "newest_id": tweets[0]["id"],
                "oldest_id": tweets[-1]["id"],
                "result_count": len(tweets),
            },
        }
        if p < n_pages - 1:
            page["meta"]["next_token"] = f"synthetic-{seed}-{p + 1}"
        yield page
