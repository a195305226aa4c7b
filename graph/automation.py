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

import re

import numpy as np
import pandas as pd
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


def duplicate_text_share(posts: pd.DataFrame, min_posts: int = MIN_TEXT_POSTS) -> pd.Series:
    """Per account, the share of its posts whose text repeats another of its posts.

    Repeats carrying a link or a hashtag (copy-pasted promotion) count 1, plain
    repeats :data:`PLAIN_REPEAT_WEIGHT`.

    Parameters
    ----------
    posts : pandas.DataFrame
        Columns ``source``, ``post_id`` and ``text`` (one row per event; rows of
        the same post — one per target — are counted once).
    min_posts : int
        Accounts with fewer distinct posts with text get 0.

    Returns
    -------
    pandas.Series
        Indexed by account key, values in ``[0, 1]``.

    Examples
    --------
    >>> df = pd.DataFrame({"source": ["a"] * 5, "post_id": list("12345"),
    ...                    "text": ["buy #now"] * 4 + ["other"]})
    >>> float(duplicate_text_share(df)["a"])
    0.8
    """
    if posts.empty or "text" not in posts:
        return pd.Series(dtype=float)
    df = posts.loc[posts["text"].notna(), ["source", "post_id", "text"]]
    df = df[df["text"].astype(str).str.strip() != ""]
    if df.empty:
        return pd.Series(dtype=float)
    df = df.drop_duplicates(["source", "post_id"])
    raw = df["text"].astype(str)
    norm = raw.map(normalize_text)
    promo = raw.str.contains(_PROMO)
    df = df.assign(norm=norm, w=np.where(promo, 1.0, PLAIN_REPEAT_WEIGHT))[norm != ""]
    n_posts = df.groupby("source").size()
    repeated = df.groupby(["source", "norm"])["norm"].transform("size") > 1
    dup_posts = df.loc[repeated].groupby("source")["w"].sum()
    share = (dup_posts.reindex(n_posts.index, fill_value=0.0) / n_posts).astype(float)
    share[n_posts < min_posts] = 0.0
    return share


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
