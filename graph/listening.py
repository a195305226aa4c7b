"""Listening: which themes (the brand, competitors, the market) each interaction is about.

A theme is named in ``scout.toml`` by keywords, hashtags, handles and domains
(:func:`parse_listening`). An interaction matches a theme when its text
contains one of them under one matching rule:

* **case and accents do not matter**: text and terms are folded (Unicode NFKD,
  combining marks dropped, case-folded), so ``Analítica`` matches ``analitica``
  and ``ÜBER`` matches ``uber``; Spanish and English text alike;
* **whole words only**: a keyword matches between word boundaries (``acme`` does
  not match ``acmetrics``); a multi-word keyword matches across any whitespace;
* ``#hashtag`` terms match the hashtag in the text or in the interaction's topics;
* ``@handle`` terms match the mention in the text, or an interaction whose
  target account has that handle (a reply to the brand's account);
* ``domain`` terms match the domain and its subdomains in links
  (``acme.com`` matches ``https://blog.acme.com/x``, not ``notacme.com``).

Share of voice (:func:`share_of_voice`) counts, per period, the interactions
tagged with each theme, divided by the sum of those counts over every theme in
the period (an interaction about two themes counts once for each), so the
shares of a period add up to 1.

Examples
--------
>>> th = [Theme("acme", "brand", keywords=("acme analytics",), hashtags=("acme",))]
>>> tag_texts(pd.Series(["Me encanta ACME  Analytics!", "#Acme rocks", "acmeanalytics"]), th)
[('acme',), ('acme',), ()]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph.errors import ConfigError

THEME_KINDS = ("brand", "competitor", "market")
PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}  # weeks end on Sunday: start Monday
_TERM_KEYS = ("keywords", "hashtags", "handles", "domains")
_THEME_KEYS = ("kind", *_TERM_KEYS)
_MARKS = re.compile(r"[\u0300-\u036f]")


@dataclass(frozen=True, slots=True)
class Theme:
    """A listening theme: its name, kind and the terms that name it (as configured)."""

    name: str
    kind: str
    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``.

    Examples
    --------
    >>> fold("Analítica ÑANDÚ Straße")
    'analitica nandu strasse'
    """
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def fold_series(texts: pd.Series) -> pd.Series:
    """:func:`fold` column-wise (missing text → empty)."""
    s = texts.fillna("").astype(str)
    return s.str.normalize("NFKD").str.replace(_MARKS, "", regex=True).str.casefold()


def parse_listening(section: Mapping | None) -> list[Theme]:
    """The themes of a ``[listening]`` section of ``scout.toml``.

    ::

        [listening.themes.acme]
        kind = "brand"                       # brand | competitor | market
        keywords = ["acme", "acme analytics"]
        hashtags = ["acme"]
        handles = ["acme", "acme_es"]
        domains = ["acme.com"]

    Raises
    ------
    ConfigError
        Unknown keys, a missing or unknown kind, a theme without terms, terms
        that are not lists of non-empty strings.
    """
    if not section:
        return []
    unknown = set(section) - {"themes"}
    if unknown:
        raise ConfigError(f"[listening]: unknown key(s) {', '.join(sorted(unknown))}; "
                          "themes go in [listening.themes.NAME]")
    themes = section.get("themes") or {}
    if not isinstance(themes, Mapping):
        raise ConfigError("[listening.themes] must be a table of themes")
    out = []
    for name, spec in themes.items():
        where = f"[listening.themes.{name}]"
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{where} must be a table")
        bad = set(spec) - set(_THEME_KEYS)
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(bad))}; "
                              f"allowed: {', '.join(_THEME_KEYS)}")
        kind = spec.get("kind")
        if kind not in THEME_KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(THEME_KINDS)}")
        terms = {}
        for key in _TERM_KEYS:
            value = spec.get(key, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                      for v in value):
                raise ConfigError(f"{where}: {key} must be a list of non-empty strings")
            terms[key] = tuple(v.strip() for v in value)
        if not any(terms.values()):
            raise ConfigError(f"{where}: give at least one keyword, hashtag, handle or domain")
        out.append(Theme(str(name), kind, **terms))
    return out


def load_themes(path: str | None = None) -> list[Theme]:
    """The themes of a ``scout.toml`` (default ``$SCOUT_CONFIG``, else ``./scout.toml``).

    A missing file means no themes; a malformed file or section is a ``ConfigError``.
    """
    import os
    import tomllib
    from pathlib import Path

    where = Path(path or os.environ.get("SCOUT_CONFIG") or "scout.toml")
    if not where.is_file():
        return []
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    return parse_listening(data.get("listening"))


def _words(term: str) -> str:
    return r"\s+".join(re.escape(w) for w in fold(term).split())


def theme_pattern(theme: Theme) -> re.Pattern | None:
    """One regular expression over folded text for every textual term of ``theme``."""
    parts = [rf"(?<!\w){_words(k)}(?!\w)" for k in theme.keywords if fold(k).split()]
    parts += [rf"(?<![\w#])#{re.escape(fold(h).lstrip('#'))}(?!\w)" for h in theme.hashtags]
    parts += [rf"(?<![\w@])@{re.escape(fold(h).lstrip('@'))}(?!\w)" for h in theme.handles]
    parts += [rf"(?<![\w.-])(?:[\w-]+\.)*{re.escape(fold(d).strip('.'))}(?![\w-]|\.\w)"
              for d in theme.domains]
    return re.compile("|".join(parts)) if parts else None


def theme_mask(theme: Theme, folded: pd.Series, topics: pd.Series | None = None,
               target_handles: pd.Series | None = None) -> np.ndarray:
    """Which rows match ``theme`` (see the module docstring)."""
    pattern = theme_pattern(theme)
    mask = (folded.str.contains(pattern, regex=True).to_numpy(dtype=bool) if pattern is not None
            else np.zeros(len(folded), dtype=bool))
    if topics is not None and theme.hashtags:
        tags = {fold(h).lstrip("#") for h in theme.hashtags}
        # ";a;b;" strings (store reads) or tuples (parsed records)
        mask = mask | np.fromiter(
            (any(t in tags for t in (s if isinstance(s, tuple | list) else str(s).split(";")))
             for s in topics.fillna("")), dtype=bool, count=len(topics))
    if target_handles is not None and theme.handles:
        handles = {fold(h).lstrip("@") for h in theme.handles}
        mask = mask | fold_series(target_handles).isin(handles).to_numpy()
    return mask


def tag_frame(events: pd.DataFrame, themes: Sequence[Theme],
              handles: Mapping[str, str] | None = None) -> pd.Series:
    """The themes each interaction matches, as tuples of theme names (column-wise).

    Parameters
    ----------
    events : pandas.DataFrame
        Interactions with ``text`` and optionally ``topics`` (``;a;b;``) and ``target``.
    themes : sequence of Theme
    handles : mapping, optional
        ``{account key: handle}``, to match ``@handle`` terms against targets.
    """
    if events.empty or not themes:
        return pd.Series([()] * len(events), index=events.index, dtype=object)
    folded = fold_series(events["text"])
    topics = events["topics"] if "topics" in events else None
    targets = (events["target"].map(handles) if handles is not None and "target" in events
               else None)
    masks = np.column_stack([theme_mask(t, folded, topics, targets) for t in themes])
    names = np.array([t.name for t in themes], dtype=object)
    return pd.Series([tuple(names[row]) for row in masks], index=events.index, dtype=object)


def tag_texts(texts: pd.Series, themes: Sequence[Theme]) -> list[tuple[str, ...]]:
    """The themes each text matches (no topics, no targets)."""
    return tag_frame(pd.DataFrame({"text": texts}), themes).tolist()


def explode_themes(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (interaction, theme) of events with a ``themes`` column of tuples."""
    if events.empty:
        return events.assign(theme=pd.Series(dtype=object)).iloc[:0]
    out = events.explode("themes").rename(columns={"themes": "theme"})
    return out[out["theme"].notna()].reset_index(drop=True)


def share_of_voice(tagged: pd.DataFrame, period: str = "week",
                   themes: Sequence[Theme] = ()) -> pd.DataFrame:
    """Mentions, share of voice and growth per theme and period.

    Parameters
    ----------
    tagged : pandas.DataFrame
        Interactions with ``at`` and ``themes`` (tuples).
    period : {"day", "week", "month"}
        Weeks start on Monday.
    themes : sequence of Theme, optional
        Gives each theme's kind and lists themes without mentions with 0.

    Returns
    -------
    pandas.DataFrame
        ``period`` (start date), ``theme``, ``kind``, ``mentions``, ``share``
        (of the period's theme mentions, 0–1), ``growth`` (relative change of
        mentions from the previous period; empty for the first period or after
        a period without mentions).
    """
    if period not in PERIODS:
        raise ConfigError(f"period must be one of {', '.join(PERIODS)}")
    rows = explode_themes(tagged[["at", "themes"]])
    cols = ["period", "theme", "kind", "mentions", "share", "growth"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    at = pd.to_datetime(rows["at"], utc=True).dt.tz_localize(None)
    rows = rows.assign(period=at.dt.to_period(PERIODS[period]).dt.start_time.dt.date)
    counts = rows.groupby(["period", "theme"]).size().unstack(fill_value=0)
    names = [t.name for t in themes] or list(counts.columns)
    counts = counts.reindex(columns=list(dict.fromkeys([*names, *counts.columns])), fill_value=0)
    # every period between the first and the last, so growth compares consecutive ones
    full = pd.period_range(min(counts.index), max(counts.index), freq=PERIODS[period])
    counts = counts.reindex(full.start_time.date, fill_value=0)
    share = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    prev = counts.shift(1)
    growth = (counts - prev) / prev.replace(0, np.nan)
    kinds = {t.name: t.kind for t in themes}
    out = pd.DataFrame({
        "period": np.repeat(counts.index.to_numpy(), counts.shape[1]),
        "theme": np.tile(counts.columns.to_numpy(dtype=object), len(counts)),
        "mentions": counts.to_numpy().ravel().astype(np.int64),
        "share": share.to_numpy().ravel(),
        "growth": growth.to_numpy().ravel(),
    })
    out.insert(2, "kind", out["theme"].map(kinds).fillna(""))
    out["share"] = out["share"].fillna(0.0).round(4)
    out["growth"] = out["growth"].round(4)
    return out[cols]


def top_voices(tagged: pd.DataFrame, theme: str, accounts: pd.DataFrame | None = None,
               top: int = 10, config=None) -> pd.DataFrame:
    """The leaders of one theme's conversation: Scout's ranking on that theme's interactions.

    Parameters
    ----------
    tagged : pandas.DataFrame
        Interactions (every ranking column) with ``themes``.
    theme : str
    accounts : pandas.DataFrame, optional
        Profiles (handles, segments).
    top : int
    config : graph.ranking.RankConfig, optional
        Default: the default ranking.

    Returns
    -------
    pandas.DataFrame
        :func:`graph.ranking.leaderboard` columns of the theme ranking plus
        ``mentions`` (the account's own interactions about the theme).
    """
    from graph.ranking import RankConfig, leaderboard, rank_events

    mask = tagged["themes"].map(lambda ts: theme in ts).to_numpy(dtype=bool)
    events = tagged.loc[mask].drop(columns=["themes"])
    if events.empty:
        return leaderboard(pd.DataFrame(columns=["account", "rank", "score", "segment",
                                                 "handle"]), top=0)
    result = rank_events(events.reset_index(drop=True), accounts, config or RankConfig())
    board = leaderboard(result.table, top=top)
    own = events["source"].value_counts()
    board["mentions"] = own.reindex(board["key"]).fillna(0).astype(np.int64).to_numpy()
    return board


def competitor_only_voices(tagged: pd.DataFrame, themes: Sequence[Theme]) -> pd.DataFrame:
    """Accounts that talk about competitors but never about the brand (recruitment targets).

    Returns
    -------
    pandas.DataFrame
        ``account`` (key), ``mentions`` (their competitor interactions) and
        ``competitors`` (which ones, ``;``-joined), most active first.
    """
    brand = {t.name for t in themes if t.kind == "brand"}
    rivals = {t.name for t in themes if t.kind == "competitor"}
    rows = explode_themes(tagged[["source", "themes"]])
    cols = ["account", "mentions", "competitors"]
    if rows.empty or not rivals:
        return pd.DataFrame(columns=cols)
    about_us = set(rows.loc[rows["theme"].isin(brand), "source"])
    comp = rows[rows["theme"].isin(rivals) & ~rows["source"].isin(about_us)]
    if comp.empty:
        return pd.DataFrame(columns=cols)
    g = comp.groupby("source")
    out = pd.DataFrame({"mentions": g.size(),
                        "competitors": g["theme"].agg(lambda s: ";".join(sorted(set(s))))})
    out = out.reset_index().rename(columns={"source": "account"})
    return out.sort_values(["mentions", "account"], ascending=[False, True],
                           ignore_index=True)[cols]


# ----------------------------------------------------------------------------- store jobs
IDENTITY = ["platform", "post_id", "kind", "target"]


def tag_store(store, themes: Sequence[Theme], replace: bool = True,
              since=None, until=None) -> dict:
    """Tag stored interactions with the themes they match (:meth:`GraphStore.set_themes`).

    Parameters
    ----------
    store : graph.store.GraphStore
    themes : sequence of Theme
    replace : bool
        Clear every interaction's themes first (a full re-tag after the themes changed).
    since, until : datetime, optional
        Tag only this window (with ``replace=False``: new data).

    Returns
    -------
    dict
        ``{"read": interactions read, "tagged": interactions with a theme,
        "by_theme": {theme: count}}``.
    """
    events = store.interactions(since=since, until=until, with_text=True)
    keys = pd.unique(events["target"]) if len(events) else []
    handles = {}
    if len(keys) and any(t.handles for t in themes):
        acc = store.accounts(list(keys))
        handles = dict(zip(acc["key"], acc["handle"].fillna(""), strict=True))
    tags = tag_frame(events, themes, handles)
    has = tags.map(len).to_numpy() > 0
    rows = events.loc[has, IDENTITY].assign(themes=tags[has].to_numpy())
    if replace or has.any():
        store.set_themes(rows, replace=replace)
    counts = explode_themes(pd.DataFrame({"themes": tags[has]}))["theme"].value_counts()
    return {"read": int(len(events)), "tagged": int(has.sum()),
            "by_theme": {t.name: int(counts.get(t.name, 0)) for t in themes}}


def tagged_events(store, since=None, until=None, platforms=None,
                  with_text: bool = False) -> pd.DataFrame:
    """The store's interactions in a window with their stored ``themes`` (tuples, maybe empty)
    (and their ``text`` with ``with_text``, e.g. for :func:`top_domains`)."""
    events = store.interactions(since=since, until=until,
                                platforms=list(platforms or []) or None, with_text=with_text)
    tags = store.theme_tags()
    if events.empty:
        return events.assign(themes=pd.Series(dtype=object))
    merged = events.merge(tags, on=IDENTITY, how="left")
    merged["themes"] = [t if isinstance(t, tuple) else () for t in merged["themes"]]
    return merged


def only_themes(events: pd.DataFrame, store, themes) -> pd.DataFrame:
    """The rows of ``events`` tagged with any of ``themes`` (stored tags, see ``scout listen tag``).

    Parameters
    ----------
    events : pandas.DataFrame
        Interactions with the identity columns (:data:`IDENTITY`).
    store : graph.store.GraphStore
        Where the tags are read (:meth:`theme_tags`).
    themes : str or iterable of str
        Theme names.
    """
    wanted = {themes} if isinstance(themes, str) else set(themes)
    tags = store.theme_tags()
    # a boolean array, not a Series: an empty object Series would select columns instead
    hit = np.array([bool(wanted.intersection(ts)) for ts in tags["themes"]], dtype=bool)
    return events.merge(tags.loc[hit, IDENTITY], on=IDENTITY, how="inner")


def co_mentions(tagged: pd.DataFrame) -> pd.DataFrame:
    """How many interactions name each pair of themes together (``theme_a < theme_b``)."""
    pairs: dict[tuple[str, str], int] = {}
    for ts in tagged["themes"]:
        if len(ts) > 1:
            for i, a in enumerate(sorted(ts)):
                for b in sorted(ts)[i + 1:]:
                    pairs[(a, b)] = pairs.get((a, b), 0) + 1
    out = pd.DataFrame([(a, b, n) for (a, b), n in pairs.items()],
                       columns=["theme_a", "theme_b", "interactions"])
    return out.sort_values(["interactions", "theme_a", "theme_b"],
                           ascending=[False, True, True], ignore_index=True)


def _topic_list(value) -> list[str]:
    """Topics as a list, from a tuple (store reads) or a ``;a;b;`` string."""
    if isinstance(value, tuple | list):
        return list(value)
    return [t for t in str(value or "").split(";") if t]


_LINK_HOST = re.compile(r"https?://(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)


def top_domains(tagged: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The most linked domains (``www.`` dropped) of each theme's interactions.

    Needs the ``text`` column (:func:`tagged_events` with ``with_text=True``);
    an interaction linking a domain twice counts once.

    Examples
    --------
    >>> t = pd.DataFrame({"themes": [("rival",), ("rival",), ()],
    ...                   "text": ["see https://www.rival.io/x and http://rival.io",
    ...                            "https://blog.example.com/p", "https://ignored.org"]})
    >>> top_domains(t).values.tolist()
    [['rival', 'blog.example.com', 1], ['rival', 'rival.io', 1]]
    """
    cols = ["theme", "domain", "interactions"]
    if "text" not in tagged or tagged.empty:
        return pd.DataFrame(columns=cols)
    rows = explode_themes(tagged[["themes", "text"]])
    if rows.empty:
        return pd.DataFrame(columns=cols)
    hosts = rows["text"].fillna("").astype(str).map(
        lambda s: sorted({h.lower().rstrip(".") for h in _LINK_HOST.findall(s)}))
    rows = rows.assign(domain=hosts).explode("domain")
    rows = rows[rows["domain"].fillna("") != ""]
    counts = rows.groupby(["theme", "domain"]).size().rename("interactions").reset_index()
    counts = counts.sort_values(["theme", "interactions", "domain"],
                                ascending=[True, False, True])
    return counts.groupby("theme").head(top).reset_index(drop=True)[cols]


def top_hashtags(tagged: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The most used topics (hashtags) of each theme's interactions."""
    rows = explode_themes(tagged[["themes", "topics"]])
    cols = ["theme", "hashtag", "interactions"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows = rows.assign(hashtag=rows["topics"].map(_topic_list)).explode("hashtag")
    rows = rows[rows["hashtag"].fillna("") != ""]
    counts = rows.groupby(["theme", "hashtag"]).size().rename("interactions").reset_index()
    counts = counts.sort_values(["theme", "interactions", "hashtag"],
                                ascending=[True, False, True])
    return counts.groupby("theme").head(top).reset_index(drop=True)[cols]
