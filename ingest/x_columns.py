"""X archives of API v2 pages, read column-wise: the fast path of :mod:`ingest.jsonl`.

A twarc2-style archive (one API v2 response page per line) is read in blocks of
lines by Arrow's JSON reader with an explicit schema: only the fields the edge
rules use are decoded, in C++, on every core. The rules of
:mod:`ingest.x_parse` (its module docs) are then applied to whole columns —
joins of references and mentions against each page's users and tweets —
instead of tweet by tweet.

Only the common case takes this path. A line that needs one of the rarer
branches of the rules goes to :mod:`ingest.x_parse` on its own, so that the
result is the same as the line-by-line reader's (``tests/ingest/
test_x_columns.py`` compares both on every sample):

* a repost whose original is not in the page (its ``RT @name:`` prefix names the author),
* a tweet or user whose ids, times or usernames are not in their canonical form
  (non-digit ids, a ``created_at`` other than ISO 8601 with ``Z``, a username
  that is not ASCII word characters), a flattened tweet (``author`` inlined),
* a page of users, an error-only response, anything that is not a page.

A whole block goes line by line when Arrow cannot read it as pages (invalid JSON,
a field of another type, blank lines, ``\\r\\n`` endings): the line-by-line
reader then reports each bad line with its ``file:line``.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from graph.errors import InputError
from ingest.x_parse import _REF_KINDS  # the reference types and the edge kind each yields

PLATFORM = "x"
#: Bytes read at a time into a block.
_PIECE = 256 << 10
#: Block size of Arrow's JSON reader within a block (its unit of parallel work).
_ARROW_BLOCK = 8 << 20
#: Bytes of lines read per block (the block is parsed by Arrow on every core).
BLOCK_BYTES = 64 << 20

_S = pa.string()
_ID = pa.struct([("id", _S)])
_TAGS = pa.list_(pa.struct([("tag", _S)]))
_REF = pa.struct([("type", _S), ("id", _S), ("author_id", _S), ("text", _S), ("author", _ID),
                  ("tweet", _ID)])
_TWEET = pa.struct([
    ("id", _S), ("author_id", _S), ("created_at", _S), ("text", _S), ("lang", _S),
    ("in_reply_to_user_id", _S), ("username", _S), ("author", _ID),
    ("referenced_tweets", pa.list_(_REF)),
    ("entities", pa.struct([("mentions", pa.list_(pa.struct([("id", _S), ("username", _S)]))),
                            ("hashtags", _TAGS), ("cashtags", _TAGS)])),
])
_USER = pa.struct([
    ("id", _S), ("username", _S), ("name", _S), ("description", _S), ("created_at", _S), ("url", _S),
    ("verified", pa.bool_()),
    ("public_metrics", pa.struct([("followers_count", pa.int64()), ("following_count", pa.int64()),
                                  ("tweet_count", pa.int64())])),
    ("entities", pa.struct([("url", pa.struct([("urls", pa.list_(pa.struct([("expanded_url", _S)])))]))])),
])
#: The fields of a page the rules read; Arrow skips every other field without building it.
PAGE_SCHEMA = pa.schema([
    ("data", pa.list_(_TWEET)),
    ("includes", pa.struct([("users", pa.list_(_USER)), ("tweets", pa.list_(_TWEET))])),
    ("errors", pa.list_(pa.struct([("title", _S)]))),
])
#: The same for the filtered stream's lines (twarc2 stream): ``data`` is one tweet.
STREAM_SCHEMA = pa.schema([("data", _TWEET)] + [PAGE_SCHEMA.field(n) for n in ("includes", "errors")])

_ISO_Z = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$"
#: ``ingest.x_parse._USERNAME_RE`` for ASCII names (non-ASCII names take the line-by-line path).
_ASCII_NAME = r"^[A-Za-z0-9_]{1,50}$"


# -- reading blocks ---------------------------------------------------------------------------


def read_blocks(inp, size: int | None = None) -> Iterator[tuple[int, bytes, int]]:
    """``(first line number, block, newlines in it)``: whole lines, about ``size`` bytes
    each (default :data:`BLOCK_BYTES`). Blocks end with a newline except perhaps the last.

    Raises
    ------
    InputError
        If the file cannot be read to its end.
    """
    line = 1
    size = size or BLOCK_BYTES
    stream = inp.stream
    while True:
        pieces: list[bytes] = []
        got = 0
        failure: Exception | None = None
        try:
            # Read in pieces, so that a damaged file keeps every whole line before the damage.
            while got < size:
                piece = stream.read(min(_PIECE, size - got))
                if not piece:
                    break
                pieces.append(piece)
                got += len(piece)
            if pieces and not pieces[-1].endswith(b"\n"):
                pieces.append(stream.readline())
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            failure = exc
        part = b"".join(pieces)
        if failure is not None:
            part = part[: part.rfind(b"\n") + 1]
        if part:
            newlines = part.count(b"\n")
            yield line, part, newlines
            line += newlines
        if failure is not None:
            raise InputError(f"{inp.name}: cannot read past line {line - 1}: {failure}") from None
        if not part:
            return


def block_lines(start: int, block: bytes) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of a block, line endings stripped (as :meth:`Input.lines` yields them)."""
    lines = block.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for i, line in enumerate(lines):
        yield start + i, line.rstrip(b"\r")


def read_pages(block: bytes, newlines: int, stream: bool = False) -> pa.Table | None:
    """A block of page lines as a table (one row per line), or ``None`` when it must go line by line.

    ``stream``: lines of the filtered stream (``data`` one tweet, not a list).
    """
    if b"\r" in block or block.startswith(b"\n") or b"\n\n" in block:
        return None  # blank lines and CRLF endings would shift rows against line numbers
    lines = newlines + (0 if block.endswith(b"\n") else 1)
    whole = max(1 << 20, len(block) // 2 + 1)  # no line can straddle two of these
    # Arrow parses its blocks on every core: 8 MiB ones share the work out more evenly
    # (~20% less wall time than two halves); a longer line makes it try the halves.
    for size in (_ARROW_BLOCK, whole) if whole > _ARROW_BLOCK else (whole,):
        try:
            table = pj.read_json(
                io.BytesIO(block),
                read_options=pj.ReadOptions(use_threads=True, block_size=size),
                parse_options=pj.ParseOptions(explicit_schema=STREAM_SCHEMA if stream else PAGE_SCHEMA,
                                             unexpected_field_behavior="ignore"),
            )
        except pa.ArrowInvalid as exc:
            if size != whole and "straddl" in str(exc):
                continue
            return None
        except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None
        return table if table.num_rows == lines else None
    return None


# -- columns of nested lists -----------------------------------------------------------------

#: A canonical X id that fits 64 bits: digits, no leading zero (other ids go line by line).
_CANON_ID = r"^(0|[1-9][0-9]{0,18})$"


def _flat(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The items of a list column and the row each comes from."""
    if len(lists) == 0:
        return pa.array([], type=lists.type.value_type), np.zeros(0, dtype=np.int64)
    return pc.list_flatten(lists), pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)


def _field(struct: pa.Array, name: str) -> pa.Array:
    return pc.struct_field(struct, name)


def _np(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _str(arr: pa.Array) -> pd.Series:
    """An Arrow string column as a pandas ``str`` column (no copy)."""
    return pd.Series(arr, dtype="str")


def _valid(arr: pa.Array) -> np.ndarray:
    return _np(arr.is_valid())


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    """Whether each non-null value matches ``pattern`` (nulls: ``True``)."""
    return _np(pc.fill_null(pc.match_substring_regex(arr, pattern), True))


def _id_codes(arr: pa.Array) -> np.ndarray:
    """Canonical ids as int64 codes (one code per id), ``-1`` for null or non-canonical ids."""
    ok = pc.fill_null(pc.match_substring_regex(arr, _CANON_ID), False)
    codes = pc.cast(pc.if_else(ok, arr, pa.scalar(None, pa.string())), pa.uint64())
    return _np(pc.fill_null(codes, 0)).view(np.int64) - np.where(_np(ok), 0, 1)


#: ``x_parse._REPLY_PREFIX_RE`` for ASCII texts in RE2: Python's ``\s`` also matches
#: ``\v`` and ``\x1c``-``\x1f`` (RE2's does not); ``\w`` is the same on ASCII.
_PREFIX_RE2 = r"^(?P<p>(?:[\t\n\v\f\r\x1c-\x1f ]*@[0-9A-Za-z_]{1,50})+)"
_PREFIX_SPLIT_RE2 = r"[\t\n\v\f\r\x1c-\x1f @]+"


def reply_prefix_skips(texts: pa.Array, users: pa.Array) -> np.ndarray:
    """Whether each user (lower-cased) is one of its text's leading ``@a @b`` handles.

    Column-wise ``user.lower() in x_parse._reply_prefix_handles(text)``: ASCII texts
    with Arrow's RE2 kernels, any other text with the Python rule itself (the two
    regex engines differ on non-ASCII spaces and word characters).

    Parameters
    ----------
    texts : pyarrow.Array
        Strings (nulls allowed: no prefix).
    users : pyarrow.Array
        ASCII usernames, one per text.

    Returns
    -------
    numpy.ndarray
        Booleans, one per text.

    Examples
    --------
    >>> reply_prefix_skips(pa.array(["@Ann @bob hi @cy", "hi @ann", None]), pa.array(["ann", "ann", "ann"]))
    array([ True, False, False])
    """
    from ingest.x_parse import _reply_prefix_handles

    n = len(texts)
    out = np.zeros(n, dtype=bool)
    if not n:
        return out
    ascii_ = _np(pc.fill_null(pc.string_is_ascii(texts), False))
    other = np.flatnonzero(~ascii_ & _valid(texts))
    if len(other):
        tx, us = _np(texts.take(pa.array(other))), _np(users.take(pa.array(other)))
        out[other] = [u.lower() in _reply_prefix_handles(t) for t, u in zip(tx.tolist(), us.tolist(), strict=True)]
    rows = np.flatnonzero(ascii_)
    if not len(rows):
        return out
    prefix = pc.struct_field(pc.extract_regex(texts.take(pa.array(rows)), _PREFIX_RE2), 0)
    lists = pc.split_pattern_regex(pc.ascii_lower(pc.fill_null(prefix, "")), _PREFIX_SPLIT_RE2)
    handles, parent = _flat(lists)
    user = pc.take(pc.ascii_lower(users.take(pa.array(rows))), pa.array(parent))
    hit = _np(pc.fill_null(pc.equal(handles, user), False)) & (_np(pc.utf8_length(handles)) > 0)
    out[rows[np.unique(parent[hit])]] = True
    return out


def _tags_of(lists: pa.Array, prefix: str) -> tuple[np.ndarray, pa.Array]:
    """Topics of hashtag or cashtag lists, as ``x_parse.tweet_topics`` makes them:
    (tweet row of each, topic text), in list order, empty tags left out."""
    items, parent = _flat(lists)
    tag = _field(items, "tag")
    keep = _np(tag.is_valid())
    parent, tag = parent[keep], tag.filter(pa.array(keep))
    # ASCII tags without control characters: Arrow's trim and lower are Python's there.
    plain = _np(pc.and_(pc.string_is_ascii(tag), pc.invert(pc.match_substring_regex(tag, r"[\x00-\x1f\x7f]"))))
    topic = pc.ascii_lower(pc.utf8_ltrim(pc.utf8_trim_whitespace(tag), "#$"))
    if not plain.all():
        # Other tags in Python: str.strip and str.lower are the rule.
        values = topic.to_numpy(zero_copy_only=False).astype(object)
        raw = _np(tag)
        for i in np.flatnonzero(~plain).tolist():
            values[i] = raw[i].strip().lstrip("#$").lower()
        topic = pa.array(values, type=pa.string())
    nonblank = _np(pc.not_equal(topic, ""))  # a tag of only "#" or "$" names nothing
    if prefix:
        topic = pc.binary_join_element_wise(prefix, topic, "")
    return parent[nonblank], topic.filter(pa.array(nonblank))


# -- one block ----------------------------------------------------------------------------------


class PageColumns:
    """The interactions and accounts of a block of pages, computed column-wise.

    After construction: ``hard`` (pages that must go line by line) and, for the
    other pages, ``edges`` (one row per interaction, in the order the line
    parser yields them, with the page each comes from), ``users``, ``bare`` and
    ``handles`` (account rows), and per-page counters.
    """

    def __init__(self, table: pa.Table) -> None:
        self.n_pages = n = table.num_rows
        data = table.column("data").combine_chunks()
        if pa.types.is_struct(data.type):  # a stream line's one tweet: a list of one
            valid = _valid(data)
            offsets = np.r_[0, np.cumsum(valid)].astype(np.int32)
            data = pa.ListArray.from_arrays(pa.array(offsets), data.filter(pa.array(valid)),
                                            mask=pa.array(~valid))
        includes = table.column("includes").combine_chunks()
        errors = table.column("errors").combine_chunks()
        self.hard = hard = np.zeros(n, dtype=bool)
        # Not a page of tweets: no data and no includes (error-only responses and other shapes).
        hard |= _np(data.is_null()) & _np(includes.is_null())
        self.api_errors = _np(pc.fill_null(pc.list_value_length(errors), 0))
        d_flat, d_page = _flat(data)
        i_flat, i_page = _flat(_field(includes, "tweets"))
        flat = pa.concat_arrays([d_flat, i_flat])
        page = np.concatenate([d_page, i_page])
        part = np.r_[np.zeros(len(d_flat), np.int8), np.ones(len(i_flat), np.int8)]
        pos = np.r_[np.arange(len(d_flat)), np.arange(len(i_flat))]
        self._tweets(flat, page)
        self._users(_field(includes, "users"))
        self._build(flat, page, part, pos)

    # -- reading the columns ----------------------------------------------------------------------

    def _tweets(self, flat: pa.Array, page: np.ndarray) -> None:
        hard = self.hard
        tid, author, created = _field(flat, "id"), _field(flat, "author_id"), _field(flat, "created_at")
        reply_to = _field(flat, "in_reply_to_user_id")
        self.tid, self.author, self.reply_to = _id_codes(tid), _id_codes(author), _id_codes(reply_to)
        bad = ((self.tid < 0) | (self.author < 0) | ~_valid(created) | ~_matches(created, _ISO_Z)
               | ((self.reply_to < 0) & _valid(reply_to))
               # a user in data (a page of users) or a tweet flattened by twarc2
               | _valid(_field(flat, "username")) | _valid(_field(flat, "author")))
        hard[page[bad]] = True
        self.t_id, self.t_author, self.t_created = tid, author, created
        self.t_text, self.t_lang, self.t_reply_to = _field(flat, "text"), _field(flat, "lang"), reply_to
        # References: the first of each type; inlined (flattened) ones go line by line.
        refs, rparent = _flat(_field(flat, "referenced_tweets"))
        inline = (_valid(_field(refs, "author_id")) | _valid(_field(refs, "text"))
                  | _valid(_field(refs, "author")) | _valid(_field(refs, "tweet"))
                  | ~_matches(_field(refs, "id"), _CANON_ID))
        hard[page[rparent[inline]]] = True
        self.refs = pd.DataFrame({"t": rparent, "type": _str(_field(refs, "type")),
                                  "rid": _id_codes(_field(refs, "id"))})
        ents = _field(flat, "entities")
        mentions, mparent = _flat(_field(ents, "mentions"))
        mname = _field(mentions, "username")
        mid = _field(mentions, "id")
        self.men = pd.DataFrame({"t": mparent, "k": np.arange(len(mentions)), "mid": _id_codes(mid),
                                 "mid_s": _str(mid), "username": _str(mname)})
        odd = (((self.men["mid"].to_numpy() < 0) & _valid(mid))
               | ~_np(pc.fill_null(pc.string_is_ascii(mname), True)))
        hard[page[mparent[odd]]] = True
        self.tags = [_tags_of(_field(ents, "hashtags"), ""), _tags_of(_field(ents, "cashtags"), "$")]

    def _users(self, lists: pa.Array) -> None:
        flat, page = _flat(lists)
        uid, username, created = _field(flat, "id"), _field(flat, "username"), _field(flat, "created_at")
        codes = _id_codes(uid)
        ok_name = _matches(username, _ASCII_NAME) | _np(pc.fill_null(pc.equal(username, ""), False))
        odd = ((codes < 0) & _valid(uid)) | ~_matches(created, _ISO_Z) | ~ok_name
        # Values the data model refuses (a profile of its own in the line parser, rejected
        # alone; here accounts come as a frame whose refused keys would reject rows).
        metrics = _field(flat, "public_metrics")
        for name in ("followers_count", "following_count", "tweet_count"):
            odd |= _np(pc.fill_null(pc.less(_field(metrics, name), 0), False))
        odd |= _np(pc.fill_null(pc.or_(pc.less(created, "1970-01-01T00:00:00"),
                                       pc.greater(created, "2200-01-01T00:00:00")), False))
        self.hard[page[odd]] = True
        keep = codes >= 0  # users without an id are dropped by the line parser too
        mask = pa.array(keep)
        flat, page, codes = flat.filter(mask), page[keep], codes[keep]
        metrics = _field(flat, "public_metrics")
        urls = _field(_field(_field(flat, "entities"), "url"), "urls")
        first = pc.list_element(pc.list_slice(urls, 0, 1, return_fixed_size_list=False), 0) \
            if len(flat) else pa.array([], pa.struct([("expanded_url", _S)]))
        self.users = {
            "page": page, "uid": codes, "uid_s": _field(flat, "id"), "username": _field(flat, "username"),
            "name": _field(flat, "name"), "followers": _field(metrics, "followers_count"),
            "following": _field(metrics, "following_count"), "posts": _field(metrics, "tweet_count"),
            "created_at": _field(flat, "created_at"), "verified": _field(flat, "verified"),
            "bio": _field(flat, "description"), "url": _field(flat, "url"),
            "expanded": _field(first, "expanded_url") if len(flat) else pa.array([], _S),
        }

    # -- the rules -------------------------------------------------------------------------------

    def _build(self, flat: pa.Array, page: np.ndarray, part: np.ndarray, pos: np.ndarray) -> None:
        n = len(page)
        is_data = part == 0
        tid = self.tid
        # The line parser reads the data tweets, then each referenced tweet once (not a data
        # tweet again); its lookup of authors by tweet id holds both (a data tweet wins).
        keys = pd.DataFrame({"page": page, "tid": tid})
        primary = keys[is_data].drop_duplicates().assign(primary=True)
        in_primary = keys.merge(primary, on=["page", "tid"], how="left")["primary"].notna().to_numpy()
        parsed = is_data | (~in_primary & ~keys.duplicated().to_numpy())
        order = np.r_[np.flatnonzero(~is_data), np.flatnonzero(is_data)]
        lookup = keys.iloc[order].assign(row=order).drop_duplicates(["page", "tid"], keep="last")
        lookup = lookup.rename(columns={"tid": "rid"})[["page", "rid", "row"]]

        refs = self.refs
        refs = refs[refs["type"].notna().to_numpy()].drop_duplicates(["t", "type"], keep="first")
        refs = refs.assign(page=page[refs["t"].to_numpy()]).merge(lookup, on=["page", "rid"], how="left")
        found = refs["row"].notna().to_numpy() & (refs["rid"].to_numpy() >= 0)
        ref_row = {}
        for typ in _REF_KINDS:
            sel = (refs["type"] == typ).to_numpy()
            r = np.full(n, -1, dtype=np.int64)
            r[refs["t"].to_numpy()[sel & found]] = refs["row"].to_numpy()[sel & found].astype(np.int64)
            ref_row[typ] = r
        rt_has = np.zeros(n, dtype=bool)
        rt_has[refs["t"].to_numpy()[(refs["type"] == "retweeted").to_numpy()]] = True
        # A repost whose original the page lacks is named by its "RT @name:" prefix: line by line.
        self.hard[page[rt_has & (ref_row["retweeted"] < 0) & parsed]] = True

        author_s = _str(self.t_author)
        reply_row = ref_row["replied_to"]
        has_reply_id = self.reply_to >= 0
        reply_key = ("x:" + _str(self.t_reply_to)).to_numpy(dtype=object)
        via_ref = ~has_reply_id & (reply_row >= 0)
        if via_ref.any():
            reply_key[via_ref] = ("x:" + author_s.iloc[reply_row[via_ref]]).to_numpy(dtype=object)
        has_reply = has_reply_id | via_ref

        # Mentions of parsed, non-repost tweets: an id wins; else the username, through the
        # page's users, else an x:@name key.
        men = self.men
        mt = men["t"].to_numpy()
        men = men[parsed[mt] & ~rt_has[mt]]
        mt = men["t"].to_numpy()
        mpage = page[mt]
        u = self.users
        users = pd.DataFrame({"page": u["page"], "uid": u["uid"], "lower": _str(pc.utf8_lower(u["username"]))})
        # (usernames are ASCII here: others send their page line by line)
        user_ids = users[["page", "uid"]].drop_duplicates().rename(columns={"uid": "mid"}).assign(is_user=True)
        is_user = pd.DataFrame({"page": mpage, "mid": men["mid"].to_numpy()}).merge(
            user_ids, on=["page", "mid"], how="left")["is_user"].notna().to_numpy()
        name = men["username"]
        has_id = men["mid"].to_numpy() >= 0
        plain_name = name.str.fullmatch(_ASCII_NAME[1:-1]).fillna(False).to_numpy(dtype=bool)
        self.bare = men[has_id & plain_name & ~is_user].assign(page=mpage[has_id & plain_name & ~is_user])
        stripped = name.str.lstrip("@")
        by_name = ~has_id & stripped.str.fullmatch(_ASCII_NAME[1:-1]).fillna(False).to_numpy(dtype=bool)
        lower = stripped.str.lower()
        names = users[users["lower"].notna().to_numpy()].drop_duplicates(["page", "lower"], keep="last")
        names = names.assign(known=np.arange(len(names)))[["page", "lower", "known"]]
        known = pd.DataFrame({"page": mpage, "lower": lower.to_numpy()}).merge(
            names, on=["page", "lower"], how="left")["known"].to_numpy(dtype="float64")
        known_ok = by_name & ~np.isnan(known)
        key = np.full(len(men), None, dtype=object)
        key[has_id] = ("x:" + men["mid_s"]).to_numpy(dtype=object)[has_id]
        if known_ok.any():
            name_rows = names.index.to_numpy()[known[known_ok].astype(np.int64)]
            key[known_ok] = ("x:" + _str(pc.take(u["uid_s"], pa.array(name_rows)))).to_numpy(dtype=object)
        unknown = by_name & ~known_ok
        key[unknown] = ("x:@" + lower).to_numpy(dtype=object)[unknown]
        self.handles = men[unknown].assign(page=mpage[unknown], lower=lower.to_numpy(dtype=object)[unknown])
        keep = key != None  # noqa: E711 - element-wise
        men = men.assign(key=key)[keep]
        mt = men["t"].to_numpy()
        # The replied-to user is no mention when it sits in the reply's leading @handles.
        candidate = (has_reply[mt] & (men["key"].to_numpy(dtype=object) == reply_key[mt])
                     & men["username"].notna().to_numpy())
        if candidate.any():
            cand = men[candidate]
            skip = reply_prefix_skips(pc.take(self.t_text, pa.array(cand["t"].to_numpy())),
                                      pa.array(cand["username"].to_numpy(dtype=object), _S))
            men = men.drop(index=cand.index[skip])
        men = men.drop_duplicates(["t", "key"], keep="first")

        plain = parsed & ~rt_has
        rt = np.flatnonzero(rt_has & parsed & (ref_row["retweeted"] >= 0))
        rp = np.flatnonzero(plain & has_reply)
        qt = np.flatnonzero(plain & (ref_row["quoted"] >= 0))
        mt = men["t"].to_numpy()
        t_all = np.concatenate([rt, rp, qt, mt])
        seq = np.concatenate([np.zeros(len(rt) + len(rp), np.int64), np.ones(len(qt), np.int64),
                              2 + men["k"].to_numpy()])
        kind = np.concatenate([np.full(len(rt), "repost", dtype=object), np.full(len(rp), "reply", dtype=object),
                               np.full(len(qt), "quote", dtype=object), np.full(len(mt), "mention", dtype=object)])
        target = np.concatenate([
            ("x:" + author_s.iloc[ref_row["retweeted"][rt]]).to_numpy(dtype=object),
            reply_key[rp],
            ("x:" + author_s.iloc[ref_row["quoted"][qt]]).to_numpy(dtype=object),
            men["key"].to_numpy(dtype=object),
        ])
        # Unresolved: references (first of each type) whose kind yielded no edge.
        # (reference type, tweet) pairs as one integer each: type index * n + tweet row.
        made = np.concatenate([rt, n + rp, 2 * n + qt])
        rr = refs[refs["type"].isin(list(_REF_KINDS)).to_numpy() & parsed[refs["t"].to_numpy()]]
        rr_type = pd.Categorical(rr["type"].astype(object), categories=["retweeted", "replied_to", "quoted"]).codes
        missing = ~np.isin(rr_type.astype(np.int64) * n + rr["t"].to_numpy(), made)
        self.unresolved = np.bincount(page[rr["t"].to_numpy()[missing]], minlength=self.n_pages) \
            if len(rr) else np.zeros(self.n_pages, dtype=np.int64)
        self.posts = np.bincount(page[is_data], minlength=self.n_pages)
        self.referenced = np.bincount(page[~is_data & parsed], minlength=self.n_pages)

        order = np.lexsort((seq, pos[t_all], part[t_all], page[t_all]))
        t_all, kind, target = t_all[order], kind[order], target[order]
        idx = pa.array(t_all)
        topics = self._topics(n)
        lang = pc.take(self.t_lang, idx)
        self.edges = pd.DataFrame({
            "page": page[t_all],
            "post_id": _str(pc.take(self.t_id, idx)),
            "kind": pd.Series(kind, dtype="str"),
            "source": "x:" + _str(pc.take(self.t_author, idx)),
            "target": pd.Series(target, dtype="str"),
            "created_at": _str(pc.take(self.t_created, idx)),
            "text": _str(pc.take(self.t_text, idx)),
            "topics": pd.Series(topics[t_all], dtype="str"),
            "lang": _str(pc.if_else(pc.equal(lang, ""), pa.scalar(None, _S), lang)),
        })
        self.newest = pd.DataFrame({"page": page[is_data], "id": tid[is_data]})

    def _topics(self, n: int) -> np.ndarray:
        """``;a;b;`` of each tweet's hashtags then cashtags (as ``x_parse.tweet_topics``), ``""`` if none."""
        out = np.full(n, "", dtype=object)
        t_arr = np.concatenate([t for t, _ in self.tags])
        if not len(t_arr):
            return out
        values = pa.concat_arrays([v for _, v in self.tags])
        # hashtags come before cashtags, each in order: a stable sort by tweet keeps that
        srt = np.argsort(t_arr, kind="stable")
        t_sorted = t_arr[srt]
        starts = np.flatnonzero(np.r_[True, t_sorted[1:] != t_sorted[:-1]])
        lists = pa.ListArray.from_arrays(pa.array(np.r_[starts, len(t_sorted)].astype(np.int32)),
                                         pc.take(values, pa.array(srt)))
        joined = pc.binary_join_element_wise(";", pc.binary_join(lists, ";"), ";", "")
        out[t_sorted[starts]] = _np(joined)
        return out


def account_rows(cols: PageColumns, pages: np.ndarray, profiles: SeenProfiles | None = None) -> pd.DataFrame:
    """Account rows of ``pages`` (a mask) in the line parser's order: each page's users,
    bare ids, handles. ``profiles`` drops profiles equal to the last one seen."""
    u = cols.users
    sel = pages[u["page"]]
    page = u["page"][sel]
    uid = u["uid"][sel]
    # Lookup.users is a dict: a user repeated in a page keeps its first place and its last value.
    keys = pd.DataFrame({"page": page, "uid": uid})
    last = ~keys.duplicated(keep="last").to_numpy()
    first_pos = keys.groupby(["page", "uid"], sort=False).cumcount().to_numpy() == 0
    place = np.flatnonzero(first_pos)
    take = np.flatnonzero(last)
    # order of each (page, uid): where it first appeared
    k_first = keys.iloc[place].assign(o=place)
    k_last = keys.iloc[take].assign(row=take).merge(k_first, on=["page", "uid"])
    k_last = k_last.sort_values("o", kind="stable")
    rows = np.flatnonzero(sel)[k_last["row"].to_numpy()]
    idx = pa.array(rows)

    def col(name: str) -> pa.Array:
        return pc.take(u[name], idx)

    def nonempty(arr: pa.Array) -> pa.Array:
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)

    expanded = nonempty(col("expanded"))
    url = pc.coalesce(expanded, nonempty(col("url")))
    prof = {
        "uid_s": col("uid_s"), "handle": nonempty(col("username")), "name": nonempty(col("name")),
        "followers": col("followers"), "following": col("following"), "posts": col("posts"),
        "created_at": col("created_at"), "verified": col("verified"), "bio": nonempty(col("bio")),
        "url": url,
    }
    keep = np.ones(len(rows), dtype=bool) if profiles is None else profiles.fresh(prof)
    users = pd.DataFrame({"page": u["page"][rows], "rank": 0, "o": np.arange(len(rows))})
    for name, arr in prof.items():
        users[name] = arr.to_pandas()
    users = users[keep]
    b = cols.bare[pages[cols.bare["page"].to_numpy()]]
    # Lookup.bare_ids: first place, last username.
    b_last = b.drop_duplicates(["page", "mid"], keep="last")[["page", "mid", "username"]]
    b = b.drop_duplicates(["page", "mid"], keep="first")[["page", "mid", "mid_s", "t", "k"]].merge(
        b_last, on=["page", "mid"]).sort_values(["page", "t", "k"], kind="stable")
    bare = pd.DataFrame({"page": b["page"].to_numpy(), "rank": 1, "o": np.arange(len(b)),
                         "uid_s": b["mid_s"].to_numpy(dtype=object), "handle": b["username"].to_numpy(dtype=object)})
    h = cols.handles[pages[cols.handles["page"].to_numpy()]]
    # Lookup.handles: setdefault, the first spelling stays.
    h = h.drop_duplicates(["page", "lower"], keep="first").sort_values(["page", "t", "k"], kind="stable")
    hand = pd.DataFrame({"page": h["page"].to_numpy(), "rank": 2, "o": np.arange(len(h)),
                         "uid_s": ("@" + h["lower"].astype(object)).to_numpy(dtype=object),
                         "handle": h["username"].str.lstrip("@").to_numpy(dtype=object)})
    rows = pd.concat([users, bare, hand], ignore_index=True)
    return rows.sort_values(["page", "rank", "o"], kind="stable").reset_index(drop=True)


class SeenProfiles:
    """:class:`ingest.records.SeenUsers` for profile columns: a profile equal to the last one
    seen for its account is not written again (same values, same result)."""

    _FIELDS = ("handle", "name", "followers", "following", "posts", "created_at", "verified", "bio", "url")

    def __init__(self, limit: int = 2_000_000) -> None:
        self.last: dict[str, str] = {}
        self.limit = limit

    def fresh(self, prof: dict[str, pa.Array]) -> np.ndarray:
        """Which profiles differ from the last one seen for their account (and remember them)."""
        parts = [pc.cast(prof[f], pa.string()) for f in self._FIELDS]
        prints = _np(pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace",
                                                 null_replacement="\x00"))
        last = self.last
        out = np.ones(len(prints), dtype=bool)
        for j, (uid, fp) in enumerate(zip(_np(prof["uid_s"]).tolist(), prints.tolist(), strict=True)):
            if last.get(uid) == fp:
                out[j] = False
            else:
                last[uid] = fp
        if len(last) > self.limit:  # bound memory; at worst unchanged profiles are written again
            last.clear()
        return out


def accounts_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """An account frame (``key, platform, platform_id`` and every :class:`Account` attribute)
    from account rows, merged by key: later known values win, as one upsert after another.

    Object columns, missing values ``None``; counts ``int``, times aware ``datetime``,
    ``verified`` ``bool`` — built a column at a time (the reader runs this on every chunk).
    """
    cols = ["handle", "name", "followers", "following", "posts", "created_at", "verified", "bio", "url"]
    if not len(rows):
        return pd.DataFrame(columns=["key", "platform", "platform_id", *cols])
    for c in cols:
        if c not in rows:
            rows = rows.assign(**{c: None})
    merged = rows.groupby("uid_s", sort=False)[cols].last()
    ids = merged.index.astype(str)
    data = {"key": ("x:" + ids).to_numpy(dtype=object), "platform": np.full(len(ids), PLATFORM, dtype=object),
            "platform_id": ids.to_numpy(dtype=object)}
    for c in cols:
        v = merged[c]
        if c == "created_at":
            v = pd.to_datetime(v, utc=True, format="ISO8601")
        missing = v.isna().to_numpy()
        if c in ("followers", "following", "posts"):
            out = np.where(missing, 0, v.to_numpy(dtype="float64", na_value=0)).astype(np.int64).astype(object)
        elif c == "created_at":
            out = np.array(v.dt.to_pydatetime(), dtype=object)
        else:
            out = np.array(v.to_numpy(dtype=object), dtype=object)
            if c == "verified":
                out[~missing] = [bool(x) for x in out[~missing]]
        out[missing] = None
        data[c] = out
    # object columns: missing values stay None (a str column would hold NaN)
    return pd.DataFrame(data, dtype=object)


__all__ = ["PAGE_SCHEMA", "STREAM_SCHEMA", "PageColumns", "SeenProfiles", "account_rows", "accounts_frame", "block_lines",
           "read_blocks", "read_pages"]
