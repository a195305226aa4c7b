"""A likely-automated score in ``[0, 1]`` from simple, documented heuristics.

Five signals, each in ``[0, 1]`` (0 = looks human, 1 = looks automated), are
combined as a weighted sum (:data:`SIGNAL_WEIGHTS`, summing to 1):

=============  ======  =========================================================
signal         weight  rule
=============  ======  =========================================================
``rate``       0.30    events authored per day in the window: 0 at ≤ 10/day,
                       1 at ≥ 100/day, log-linear in between
``duplicate``  0.30    share of the account's posts whose text (lower-cased,
                       URLs and @mentions removed) repeats another of its posts;
                       a repeat without a link or hashtag (a stock pleasantry
                       like "Thanks for sharing!") counts half; only with ≥ 5
                       posts with text, else 0
``one_way``    0.15    1 − reciprocity: share of the accounts it engages with
                       that never engage back; only with ≥ 10 distinct targets
``ratio``      0.15    following ÷ followers: 0 at ≤ 1, 1 at ≥ 100, log-linear;
                       only when following ≥ 50 and both counts are known
``young``      0.10    account age: 1 at ≤ 30 days, 0 at ≥ 365 days, linear;
                       0 when the creation date is unknown
=============  ======  =========================================================

Unknown inputs count as *human* (0), so the score never punishes missing data.
The ranking multiplies an account's outgoing engagement by ``1 - score``:
attention from a likely bot counts less towards the accounts it engages with.
Accounts scoring at least :data:`AUTOMATED_THRESHOLD` are flagged ``automated``.

Examples
--------
>>> s = combine_signals(rate=np.array([1.0]), duplicate=np.array([1.0]),
...                     one_way=np.array([1.0]), ratio=np.array([0.0]), young=np.array([0.0]))
>>> float(s[0])
0.75
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

SIGNAL_WEIGHTS: dict[str, float] = {
    "rate": 0.30,
    "duplicate": 0.30,
    "one_way": 0.15,
    "ratio": 0.15,
    "young": 0.10,
}
AUTOMATED_THRESHOLD = 0.5
RATE_LOW, RATE_HIGH = 10.0, 100.0  # events per day
MIN_TEXT_POSTS = 5
MIN_TARGETS = 10
MIN_FOLLOWING = 50
RATIO_HIGH = 100.0
YOUNG_DAYS, OLD_DAYS = 30.0, 365.0

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_SPACE = re.compile(r"\s+")
_PROMO = re.compile(r"https?://|www\.|#\w")
#: Weight of a repeated text without a link or hashtag.
PLAIN_REPEAT_WEIGHT = 0.5


def normalize_text(text: str) -> str:
    """Text as compared for duplicates: lower case, no URLs or @mentions, single spaces.

    Examples
    --------
    >>> normalize_text("Buy NOW @bob https://x.y/1  !")
    'buy now !'
    """
    t = _URL.sub(" ", str(text).lower())
    t = _MENTION.sub(" ", t)
    return _SPACE.sub(" ", t).strip()


# The same rules spelled for RE2 (pyarrow), exact on ASCII text only: RE2's ``\s``
# misses ``\v`` and ``\x1c-\x1f``, which Python's ``str.isspace`` counts, so the
# whitespace class is written out; ``\w`` is ASCII in both on ASCII text.
_WS_ASCII = r"\t\n\v\f\r \x1c-\x1f"
_URL_RE2 = rf"https?://[^{_WS_ASCII}]+|www\.[^{_WS_ASCII}]+"
_MENTION_RE2 = r"@[0-9A-Za-z_]+"
# A run of 2+ whitespace characters, or one that is not a space: what ``\s+ -> " "``
# changes (a lone space is left alone, which keeps RE2 from rewriting every word gap).
_SPACES_RE2 = rf"[{_WS_ASCII}]{{2,}}|[\t\n\v\f\r\x1c-\x1f]"
#: Joins texts for one pass of Python's ``re`` over many: whitespace to both
#: patterns (no match crosses it) and neither cased nor case-ignorable (``lower``
#: treats it as a string end, so a final sigma stays final).
_JOIN = "\x1f"


def normalize_texts(texts: pd.Series, threads: int | None = None) -> pd.Series:
    """:func:`normalize_text` of every text of a column, without a Python call per row.

    ASCII texts go through pyarrow's RE2 kernels with the rules spelled for ASCII
    (in ``threads`` slices at once: the kernels release the GIL); the others are
    joined into one string for one pass of each Python pattern (no match can cross
    the separator). Either way the output equals ``texts.map(normalize_text)``.

    Parameters
    ----------
    texts : pandas.Series
        Text (non-text values are converted with ``str``).
    threads : int, optional
        Slices of ASCII texts normalised at once (default: the CPUs, at most 4,
        one below 100,000 texts); the result does not depend on it.

    Returns
    -------
    pandas.Series
        Normalised text (``str`` dtype), same index.

    Examples
    --------
    >>> normalize_texts(pd.Series(["Buy NOW @bob https://x.y/1  !", "ΟΔΟΣ  @άλφα"])).tolist()
    ['buy now !', 'οδος']
    """
    if len(texts) == 0:
        return pd.Series([], index=texts.index, dtype="str")
    col = texts if pd.api.types.is_string_dtype(texts) and not texts.isna().any() else texts.map(str)
    arr = pa.array(col.to_numpy(dtype=object) if col.dtype == object else col.array,
                   type=pa.large_string())
    is_ascii = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    if is_ascii.all():  # the common case: no reordering
        out = _normalize_ascii(arr, threads)
        return pd.Series(out.to_pandas(), dtype="str").set_axis(texts.index)
    ascii_rows, other_rows = np.flatnonzero(is_ascii), np.flatnonzero(~is_ascii)
    parts = [_normalize_ascii(arr.take(pa.array(ascii_rows)), threads),
             pa.array(_normalize_joined(arr.take(pa.array(other_rows)).to_pylist()),
                      type=pa.large_string())]
    # Back to the input's order: position i of the result is row order[i] of the parts.
    order = np.empty(len(arr), dtype=np.int64)
    order[ascii_rows] = np.arange(len(ascii_rows))
    order[other_rows] = len(ascii_rows) + np.arange(len(other_rows))
    out = pa.concat_arrays(parts).take(pa.array(order))
    return pd.Series(out.to_pandas(), dtype="str").set_axis(texts.index)


def _normalize_ascii(arr: pa.Array, threads: int | None) -> pa.Array:
    """The rules on ASCII texts with pyarrow's kernels, in slices on threads."""
    if threads is None:
        threads = min(os.cpu_count() or 1, 4) if len(arr) >= 100_000 else 1
    step = -(-len(arr) // max(threads, 1)) or 1
    slices = [arr.slice(i, step) for i in range(0, len(arr), step)] or [arr]

    def run(a: pa.Array) -> pa.Array:
        a = pc.ascii_lower(a)
        a = pc.replace_substring_regex(a, pattern=_URL_RE2, replacement=" ")
        a = pc.replace_substring_regex(a, pattern=_MENTION_RE2, replacement=" ")
        a = pc.replace_substring_regex(a, pattern=_SPACES_RE2, replacement=" ")
        return pc.utf8_trim(a, characters=" ")

    if len(slices) == 1:
        return run(slices[0])
    with ThreadPoolExecutor(len(slices)) as pool:
        return pa.concat_arrays(list(pool.map(run, slices)))


def _normalize_joined(texts: list[str]) -> list[str]:
    """The rules on any texts: one pass of each Python pattern over all of them joined."""
    if any(_JOIN in t for t in texts):  # the separator would split a text: row by row
        return [normalize_text(t) for t in texts]
    joined = _MENTION.sub(" ", _URL.sub(" ", _JOIN.join(texts).lower()))
    return [" ".join(t.split()) for t in joined.split(_JOIN)] if texts else []


#: Rows of text :func:`duplicate_text_share` normalises and compares at once, about: a slice
#: ends after the account that crosses this size (an account's rows are never split), so its
#: copies of the texts stay this size however big the window, unless one account holds more
#: (10M texts in one piece took ≈ 4.5 GB of copies).
SHARE_SLICE_ROWS = 1_000_000


def duplicate_text_share(posts: pd.DataFrame, min_posts: int = MIN_TEXT_POSTS,
                         accounts: Sequence[str] | None = None) -> pd.Series:
    """Per account, the share of its posts whose text repeats another of its posts.

    Repeats carrying a link or a hashtag (copy-pasted promotion) count 1, plain
    repeats :data:`PLAIN_REPEAT_WEIGHT`. Accounts are worked on in slices of
    about :data:`SHARE_SLICE_ROWS` rows (an account's rows stay together, and
    repeats only count within an account), so the copies of texts it makes stay
    that size unless one account holds more; the answer does not depend on the
    slices.

    Parameters
    ----------
    posts : pandas.DataFrame
        Columns ``source``, ``post_id`` and ``text`` (one row per event; rows of
        the same post — one per target — are counted once).
    min_posts : int
        Accounts with fewer distinct posts with text get 0.
    accounts : sequence of str, optional
        Only these accounts (rows of others are skipped, without a copy of
        ``posts``); default every source.

    Returns
    -------
    pandas.Series
        Indexed by account key (sorted), values in ``[0, 1]``.

    Examples
    --------
    >>> df = pd.DataFrame({"source": ["a"] * 5, "post_id": list("12345"),
    ...                    "text": ["buy #now"] * 4 + ["other"]})
    >>> float(duplicate_text_share(df)["a"])
    0.8
    >>> duplicate_text_share(df, accounts=["b"]).empty
    True
    """
    if posts.empty or "text" not in posts:
        return pd.Series(dtype=float)
    # Rows with a text and a source (grouped by source: rows without one never count)
    # of the accounts asked for. Positions, not a filtered copy: the texts of a big
    # window are gigabytes, and each copy of them costs as much.
    keep = posts["text"].notna() & posts["source"].notna()
    if accounts is not None:
        keep &= posts["source"].isin(list(accounts))
    rows = np.flatnonzero(keep.to_numpy(dtype=bool))
    if not len(rows):
        return pd.Series(dtype=float)
    # Integer codes instead of string group-bys: sources are hashed once.
    src_codes, sources = pd.factorize(posts["source"].take(rows), sort=True)
    n_posts = np.zeros(len(sources), dtype=np.int64)
    dup_posts = np.zeros(len(sources), dtype=float)
    for part in _source_slices(src_codes, SHARE_SLICE_ROWS):
        at = rows if len(part) == len(rows) else rows[part]
        codes = src_codes if len(part) == len(rows) else src_codes[part]
        n, dup = _slice_share(codes, posts["post_id"].take(at), posts["text"].take(at))
        n_posts[:len(n)] += n
        dup_posts[:len(dup)] += dup
    present = n_posts > 0  # sources whose every text normalised to nothing are left out
    share = pd.Series(dup_posts[present] / n_posts[present], dtype=float,
                      index=pd.Index(sources[present], name="source"))
    share[n_posts[present] < min_posts] = 0.0
    return share


def _source_slices(src_codes: np.ndarray, size: int) -> list[np.ndarray]:
    """Row positions in slices of about ``size`` rows, each source's rows in one slice (in
    row order); one slice of every row when they fit."""
    if len(src_codes) <= size:
        return [np.arange(len(src_codes))]
    per_source = np.bincount(src_codes)
    slice_of_source = (np.cumsum(per_source) - per_source) // size  # by where a source starts
    slice_of_row = slice_of_source[src_codes]
    return [part for s in np.unique(slice_of_row) if len(part := np.flatnonzero(slice_of_row == s))]


def _slice_share(src_codes: np.ndarray, post_id: pd.Series, text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Posts with text (``n``) and weighted repeated posts (``dup``) per source code, of
    rows that hold every row of their sources; both ``bincount``-long (up to the largest code)."""
    words = text.astype(str)
    kept = (words.ne("") & ~words.str.isspace()).to_numpy(dtype=bool)  # what strip() leaves empty
    if not kept.all():
        src_codes, post_id, words = src_codes[kept], post_id[kept], words[kept]
    if not len(src_codes):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    post_codes, _ = pd.factorize(post_id, use_na_sentinel=False)
    first = _one_row_per_post(_pair(src_codes, post_codes), words)
    src_codes, raw = src_codes[first], words[first]
    norm = normalize_texts(raw)
    w = np.where(raw.str.contains(_PROMO).to_numpy(dtype=bool), 1.0, PLAIN_REPEAT_WEIGHT)
    keep = (norm != "").to_numpy(dtype=bool)
    src_codes, w = src_codes[keep], w[keep]
    norm_codes, _ = pd.factorize(norm[keep])
    _, pair_inverse, pair_counts = np.unique(_pair(src_codes, norm_codes), return_inverse=True,
                                             return_counts=True)
    repeated = pair_counts[pair_inverse] > 1
    n = np.bincount(src_codes)
    return n, np.bincount(src_codes[repeated], weights=w[repeated], minlength=len(n))


def _one_row_per_post(post: np.ndarray, text: pd.Series) -> np.ndarray:
    """A mask keeping one row of each post (the rows of a post carry one text).

    The first row is kept; should the rows of a post carry different texts
    (edited, or an input that repeats a post id), the row with the smallest
    text is kept instead, so that the result never depends on the order of
    the rows (readers may return them in any order).

    Parameters
    ----------
    post : numpy.ndarray
        One integer code per row (equal for the rows of one post).
    text : pandas.Series
        The rows' texts (no missing values).
    """
    codes, _ = pd.factorize(post)  # numbered in order of first appearance
    if not len(codes):
        return np.zeros(0, dtype=bool)
    top = np.maximum.accumulate(codes)
    first = np.concatenate(([True], top[1:] > top[:-1]))  # a post's first row raises the top
    rest = np.flatnonzero(~first)
    if not len(rest):
        return first
    texts = pa.array(text.astype(str), from_pandas=True)
    kept = np.flatnonzero(first)[codes[rest]]  # the first row of each later row's post
    differ = pc.not_equal(texts.take(rest), texts.take(kept)).to_numpy(zero_copy_only=False)
    if not differ.any():
        return first
    mixed = np.isin(codes, codes[rest[differ]])
    rows = pd.DataFrame({"post": codes[mixed], "text": texts.filter(mixed).to_pylist(),
                         "row": np.flatnonzero(mixed)})
    smallest = rows.sort_values(["post", "text"], kind="stable").drop_duplicates("post")["row"]
    first[mixed] = False
    first[smallest.to_numpy()] = True
    return first


def _pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One int64 code per ``(a, b)`` pair of non-negative integer codes."""
    return a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b


def _loglinear(x: np.ndarray, low: float, high: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log(np.maximum(x, 1e-300) / low) / np.log(high / low)
    return np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0)


def rate_signal(events_out: np.ndarray, window_days: float) -> np.ndarray:
    """0 at ≤ 10 events/day, 1 at ≥ 100/day, log-linear in between."""
    return _loglinear(np.asarray(events_out, float) / max(float(window_days), 1.0), RATE_LOW,
                      RATE_HIGH)


def one_way_signal(adjacency: sp.spmatrix, min_targets: int = MIN_TARGETS) -> np.ndarray:
    """``1 - reciprocity`` for accounts engaging ≥ ``min_targets`` distinct accounts, else 0."""
    b = sp.csr_matrix(adjacency, dtype=float, copy=True)
    b.data = np.ones_like(b.data)
    out = np.diff(b.indptr)
    mutual = np.asarray(b.multiply(b.T).sum(axis=1)).ravel()
    return one_way_from_counts(out, mutual, min_targets)


def one_way_from_counts(targets: np.ndarray, mutual: np.ndarray,
                        min_targets: int = MIN_TARGETS) -> np.ndarray:
    """:func:`one_way_signal` from per-account counts (for engines that count elsewhere).

    Parameters
    ----------
    targets : numpy.ndarray
        Distinct accounts each account engages with.
    mutual : numpy.ndarray
        How many of those engage back.
    min_targets : int
        Below this many targets the signal is 0.

    Examples
    --------
    >>> one_way_from_counts(np.array([10, 4, 0]), np.array([5, 0, 0])).tolist()
    [0.5, 0.0, 0.0]
    """
    out = np.asarray(targets, dtype=float)
    recip = np.divide(np.asarray(mutual, dtype=float), out, out=np.ones(len(out)), where=out > 0)
    return np.where(out >= min_targets, 1.0 - recip, 0.0)


def ratio_signal(followers: np.ndarray, following: np.ndarray) -> np.ndarray:
    """Following ÷ followers: 0 at ≤ 1, 1 at ≥ 100; 0 when unknown or following < 50."""
    fo = np.asarray(followers, dtype=float)
    fg = np.asarray(following, dtype=float)
    known = np.isfinite(fo) & np.isfinite(fg) & (fg >= MIN_FOLLOWING)
    ratio = np.where(known, (np.nan_to_num(fg) + 1) / (np.nan_to_num(fo) + 1), 0.0)
    return np.where(known, _loglinear(ratio, 1.0, RATIO_HIGH), 0.0)


def young_signal(age_days: np.ndarray) -> np.ndarray:
    """1 for accounts ≤ 30 days old, 0 from a year, linear between; 0 when unknown."""
    a = np.asarray(age_days, dtype=float)
    v = (OLD_DAYS - a) / (OLD_DAYS - YOUNG_DAYS)
    return np.where(np.isfinite(a), np.clip(v, 0.0, 1.0), 0.0)


def combine_signals(**signals: np.ndarray) -> np.ndarray:
    """Weighted sum of the signals with :data:`SIGNAL_WEIGHTS` (missing signals = 0)."""
    total = None
    for name, w in SIGNAL_WEIGHTS.items():
        s = signals.get(name)
        if s is None:
            continue
        part = w * np.clip(np.asarray(s, dtype=float), 0.0, 1.0)
        total = part if total is None else total + part
    return np.clip(total if total is not None else np.zeros(0), 0.0, 1.0)


def automation_scores(adjacency: sp.spmatrix | None, events_out: np.ndarray, window_days: float,
                      followers: np.ndarray | None = None, following: np.ndarray | None = None,
                      age_days: np.ndarray | None = None,
                      duplicate: np.ndarray | None = None,
                      one_way: np.ndarray | None = None) -> pd.DataFrame:
    """Every signal and the combined likely-automated score, per node.

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        The engagement graph (before any down-weighting).
    events_out : numpy.ndarray
        Events authored per node in the window.
    window_days : float
        Length of the window in days (at least 1 is used).
    followers, following : numpy.ndarray, optional
        Profile counts (NaN = unknown).
    age_days : numpy.ndarray, optional
        Account age at the window's end (NaN = unknown).
    duplicate : numpy.ndarray, optional
        Duplicate-text share per node (see :func:`duplicate_text_share`).
    one_way : numpy.ndarray, optional
        The ``one_way`` signal computed elsewhere (:func:`one_way_from_counts`,
        e.g. on Spark); ``adjacency`` may then be ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns ``rate``, ``duplicate``, ``one_way``, ``ratio``, ``young`` and
        ``automation``, one row per node.
    """
    n = len(events_out) if adjacency is None else adjacency.shape[0]
    nan = np.full(n, np.nan)
    sig = {
        "rate": rate_signal(events_out, window_days),
        "duplicate": np.zeros(n) if duplicate is None else np.nan_to_num(np.asarray(duplicate, float)),
        "one_way": one_way_signal(adjacency) if one_way is None else np.asarray(one_way, float),
        "ratio": ratio_signal(nan if followers is None else followers,
                              nan if following is None else following),
        "young": young_signal(nan if age_days is None else age_days),
    }
    df = pd.DataFrame(sig)
    df["automation"] = combine_signals(**sig) if n else np.zeros(0)
    return df


#: The tag a source gives accounts it knows to be bots (Slack ``is_bot``, bot messages).
AUTOMATED_TAG = "automated"


def declared_automated(keys: np.ndarray, accounts: pd.DataFrame | None) -> np.ndarray:
    """Whether each account was declared a bot by its source (tagged :data:`AUTOMATED_TAG`).

    Such accounts score 1: what a platform says outranks the heuristics.

    Examples
    --------
    >>> acc = pd.DataFrame({"key": ["slack:B1", "slack:U1"], "tags": [("automated",), ()]})
    >>> declared_automated(np.array(["slack:U1", "slack:B1", "x:9"], dtype=object), acc).tolist()
    [False, True, False]
    """
    if accounts is None or accounts.empty or "tags" not in accounts:
        return np.zeros(len(keys), dtype=bool)
    flagged = accounts["tags"].map(lambda t: isinstance(t, list | tuple) and AUTOMATED_TAG in t)
    tagged = set(accounts.loc[flagged.to_numpy(dtype=bool), "key"])
    return np.fromiter((k in tagged for k in keys), dtype=bool, count=len(keys))
