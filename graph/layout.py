"""2-D positions of an account network, and their cache on disk (one file per snapshot).

The app's network view draws up to 20,000 accounts; a force-directed layout
of that many takes a second or two (igraph's grid Fruchterman–Reingold), too
slow to redo on every page view and pointless to redo while the ranking has
not changed. So positions are computed once per snapshot and kept in a cache
file named after the snapshot id (:class:`LayoutCache`); every filtered view of
that snapshot reuses them, so the map does not jump when a filter changes.
Accounts the cached layout does not know (interactions ingested after it, or
beyond its size) are put next to their neighbours (:func:`place_missing`).

Positions are normalised: centred, scaled so that 99 % of the accounts lie
within the unit disc, the far outliers (tiny components flung away by the
forces) pulled back to its rim.

Examples
--------
>>> ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "count": [3, 1]})
>>> pos = force_layout(["a", "b", "c"], ties)
>>> list(pos.columns), len(pos), bool((np.hypot(pos["x"], pos["y"]) <= 1.1 + 1e-9).all())
(['account', 'x', 'y'], 3, True)
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: Bump when the layout algorithm or its parameters change: old cache files are then ignored.
LAYOUT_VERSION = 1
#: Environment variable naming the cache directory (default ``~/.cache/scout``).
CACHE_ENV = "SCOUT_CACHE_DIR"
#: Layout files kept per cache directory (the newest; older ones are deleted).
KEEP_FILES = 24
#: Iterations of Fruchterman–Reingold (igraph, grid variant above 1,000 accounts).
ITERATIONS = 500
#: Outliers are pulled back to this radius (the bulk of the map fills the unit disc).
RIM = 1.1

log = logging.getLogger(__name__)
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def cache_dir(environ: dict | None = None) -> Path:
    """Where Scout keeps cache files: ``$SCOUT_CACHE_DIR``, else ``$XDG_CACHE_HOME/scout``,
    else ``~/.cache/scout``."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scout"


def normalise(xy: np.ndarray) -> np.ndarray:
    """Centre ``xy`` (n × 2) on its median and scale it so 99 % of points fit the unit disc.

    Points further than :data:`RIM` are pulled back onto that radius.

    Examples
    --------
    >>> normalise(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]])).round(2).tolist()
    [[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return xy
    xy = xy - np.median(xy, axis=0)
    r = np.hypot(xy[:, 0], xy[:, 1])
    scale = float(np.quantile(r, 0.99)) if len(r) > 1 else 0.0
    if scale <= 0:
        return np.zeros_like(xy)
    xy = xy / scale
    r = r / scale
    far = r > RIM
    xy[far] *= (RIM / r[far])[:, None]
    return xy


def force_layout(accounts: Sequence[str], ties: pd.DataFrame, seed: int = 7,
                 iterations: int = ITERATIONS) -> pd.DataFrame:
    """A force-directed layout of ``accounts`` linked by ``ties``.

    Parameters
    ----------
    accounts : sequence of str
        Every account to place (accounts without ties are placed too).
    ties : pandas.DataFrame
        ``source, target, count``; ties naming other accounts are ignored.
        Stronger ties pull harder (weight ``1 + log(count)``).
    seed : int
        Same input and seed, same positions.

    Returns
    -------
    pandas.DataFrame
        ``account, x, y`` (:func:`normalise`-d), in the order of ``accounts``.
    """
    import igraph as ig

    keys = pd.Index(pd.unique(np.asarray(list(accounts), dtype=object)))
    n = len(keys)
    if n == 0:
        return pd.DataFrame({"account": pd.Series(dtype=object), "x": pd.Series(dtype=float),
                             "y": pd.Series(dtype=float)})
    s = keys.get_indexer(ties["source"]) if len(ties) else np.array([], dtype=np.int64)
    t = keys.get_indexer(ties["target"]) if len(ties) else np.array([], dtype=np.int64)
    ok = (s >= 0) & (t >= 0) & (s != t)
    counts = ties["count"].to_numpy(dtype=float)[ok] if len(ties) else np.array([])
    g = ig.Graph(n=n, edges=np.column_stack([s[ok], t[ok]]).tolist(), directed=False)
    # igraph draws its own starting positions from Python's `random` (seeded here, so the same
    # input gives the same map); handing it a start of our own makes its grid variant far
    # slower (minutes at 10,000 accounts when the start is tight).
    state = random.getstate()
    random.seed(seed)
    try:
        xy = np.asarray(g.layout_fruchterman_reingold(
            weights=(1.0 + np.log(np.maximum(counts, 1.0))).tolist() if len(counts) else None,
            niter=iterations, grid="auto").coords, dtype=float)
    finally:
        random.setstate(state)
    xy = normalise(xy)
    return pd.DataFrame({"account": keys.to_numpy(dtype=object), "x": xy[:, 0], "y": xy[:, 1]})


def place_missing(accounts: Sequence[str], positions: pd.DataFrame, ties: pd.DataFrame,
                  seed: int = 7) -> pd.DataFrame:
    """Positions of ``accounts``: known ones from ``positions``, others next to their neighbours.

    An account without a position goes to the mean position of its placed
    neighbours (plus a little jitter, so that several such accounts do not
    overlap); one without any placed neighbour goes to a random point of the rim.

    Returns
    -------
    pandas.DataFrame
        ``account, x, y`` in the order of ``accounts``.

    Examples
    --------
    >>> pos = pd.DataFrame({"account": ["a"], "x": [0.5], "y": [0.5]})
    >>> ties = pd.DataFrame({"source": ["a"], "target": ["b"], "count": [1]})
    >>> out = place_missing(["a", "b"], pos, ties)
    >>> bool(abs(out.loc[1, "x"] - 0.5) < 0.05 and abs(out.loc[1, "y"] - 0.5) < 0.05)
    True
    """
    keys = pd.Index(np.asarray(list(accounts), dtype=object))
    known = positions.drop_duplicates("account").set_index("account")[["x", "y"]]
    out = pd.DataFrame({"account": keys.to_numpy(dtype=object)})
    got = known.reindex(keys)
    out["x"] = got["x"].to_numpy(dtype=float)
    out["y"] = got["y"].to_numpy(dtype=float)
    missing = out["x"].isna().to_numpy()
    if not missing.any():
        return out
    lost = set(keys[missing])
    rng = np.random.default_rng(seed)
    if len(ties):
        both = pd.concat([
            pd.DataFrame({"account": ties["source"], "other": ties["target"]}),
            pd.DataFrame({"account": ties["target"], "other": ties["source"]}),
        ], ignore_index=True)
        both = both[both["account"].isin(lost)].join(known, on="other", how="inner")
        centre = both.groupby("account")[["x", "y"]].mean()
    else:
        centre = pd.DataFrame(columns=["x", "y"], dtype=float)
    near = centre.reindex(keys[missing])
    jitter = rng.normal(0, 0.01, size=(int(missing.sum()), 2))
    angle = rng.uniform(0, 2 * np.pi, int(missing.sum()))
    xs = np.where(near["x"].notna(), near["x"].to_numpy(dtype=float) + jitter[:, 0],
                  RIM * np.cos(angle))
    ys = np.where(near["y"].notna(), near["y"].to_numpy(dtype=float) + jitter[:, 1],
                  RIM * np.sin(angle))
    out.loc[missing, "x"] = xs
    out.loc[missing, "y"] = ys
    return out


class LayoutCache:
    """Layouts on disk, one ``.npz`` file per key (a snapshot id and the layout's parameters).

    Files hold plain arrays (account keys as Unicode, positions as float32),
    never pickles, and are written atomically; an unreadable file counts as a
    miss and is rewritten. Only the :data:`KEEP_FILES` newest files are kept.

    Parameters
    ----------
    directory : path, optional
        Default: ``cache_dir() / "layouts"``.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else cache_dir() / "layouts"

    @staticmethod
    def key(snapshot_id: str, *parts: object) -> str:
        """A file-name-safe key: the snapshot id, then a digest of ``parts`` and the version.

        Examples
        --------
        >>> LayoutCache.key("20261130T101010.123Z-a1b2c3", "store", 20000)[:28]
        '20261130T101010.123Z-a1b2c3-'
        """
        digest = hashlib.sha256(repr((LAYOUT_VERSION, *parts)).encode()).hexdigest()[:12]
        return f"{_SAFE.sub('_', str(snapshot_id))}-{digest}"

    def path(self, key: str) -> Path:
        """The file of ``key``."""
        return self.directory / f"layout-{_SAFE.sub('_', key)}.npz"

    def get(self, key: str) -> pd.DataFrame | None:
        """The positions saved under ``key`` (``account, x, y``), or ``None``."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                accounts, xy = z["accounts"], z["xy"]
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable layout cache %s: %s", path, exc)
            return None
        return pd.DataFrame({"account": accounts.astype(object), "x": xy[:, 0].astype(float),
                             "y": xy[:, 1].astype(float)})

    def put(self, key: str, positions: pd.DataFrame) -> Path:
        """Save ``positions`` (``account, x, y``) under ``key``; returns the file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        accounts = positions["account"].astype(str).to_numpy(dtype=str)
        xy = positions[["x", "y"]].to_numpy(dtype=np.float32)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".layout-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, accounts=accounts, xy=xy)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.prune()
        return path

    def prune(self, keep: int = KEEP_FILES) -> int:
        """Delete all but the ``keep`` newest layout files; returns how many went."""
        files = sorted(self.directory.glob("layout-*.npz"), key=lambda p: p.stat().st_mtime,
                       reverse=True)
        gone = 0
        for p in files[keep:]:
            try:
                p.unlink()
                gone += 1
            except FileNotFoundError:
                pass
        return gone


def cached_layout(cache: LayoutCache | None, key: str, accounts: Sequence[str],
                  ties: pd.DataFrame, seed: int = 7) -> tuple[pd.DataFrame, bool]:
    """The layout saved under ``key``, or a new one (:func:`force_layout`) saved there.

    Returns
    -------
    (positions, hit)
        ``positions`` (``account, x, y``) and whether it came from the cache.
    """
    if cache is not None:
        got = cache.get(key)
        if got is not None:
            return got, True
    pos = force_layout(accounts, ties, seed=seed)
    if cache is not None:
        try:
            cache.put(key, pos)
        except OSError as exc:  # a read-only or full disk costs speed, not the page
            log.warning("could not save the layout cache in %s: %s", cache.directory, exc)
    return pos, False
