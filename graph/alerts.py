"""What deserves an alert after a refresh: pure rules over rankings and share of voice.

Two rules, each a small function returning :class:`Alert` objects:

* :func:`top_entrants` — an account enters the top ``n`` of a leaderboard (a
  segment's, or a listening theme's top voices) that it was not in before;
* :func:`share_moves` — a theme's share of voice moves by at least ``threshold``
  (absolute, 0–1) between the last two periods.

Each alert has a stable ``key`` so that a scheduled refresh does not repeat an
alert it already sent (see :func:`new_alerts`). Delivery (webhook, e-mail)
lives in :mod:`ingest.ops.notify`.

Examples
--------
>>> before = pd.DataFrame({"key": ["a", "b"], "account": ["ann", "bo"], "rank": [1, 2]})
>>> now = pd.DataFrame({"key": ["c", "a"], "account": ["cy", "ann"], "rank": [1, 2],
...                     "score": [80.0, 70.0]})
>>> [a.text for a in top_entrants(now, before, 2, "external leaders")]
['@cy entered the external leaders top 2 (rank 1, score 80.0)']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(slots=True, frozen=True)
class Alert:
    """One thing worth telling: ``text`` for people, ``key`` to send it once, ``page``
    of the app that shows it."""

    key: str
    text: str
    page: str = "leaders"

    def as_dict(self) -> dict:
        return asdict(self)


def top_entrants(current: pd.DataFrame, previous: pd.DataFrame | None, n: int,
                 board: str, page: str = "leaders") -> list[Alert]:
    """Accounts in the top ``n`` of ``current`` that were not in the top ``n`` of ``previous``.

    Parameters
    ----------
    current, previous : pandas.DataFrame
        Leaderboards (``key`` = account key, ``account`` = display handle,
        ``rank``; ``score`` optional), best first. No previous board, no alert:
        the first refresh only sets the baseline.
    n : int
        The size of the top.
    board : str
        How the alert names the leaderboard ("external leaders", "theme rival").

    Returns
    -------
    list of Alert
        In rank order; key ``top:<board>:<account key>``.
    """
    if previous is None or current is None or current.empty:
        return []
    before = set(previous.sort_values("rank").head(n)["key"].astype(str))
    out = []
    for row in current.sort_values("rank").head(n).itertuples(index=False):
        key = str(row.key)
        if key in before or not key:
            continue
        score = getattr(row, "score", None)
        extra = f", score {score:.1f}" if isinstance(score, float) else ""
        out.append(Alert(f"top:{board}:{key}",
                         f"@{row.account} entered the {board} top {n} (rank {int(row.rank)}{extra})",
                         page))
    return out


def share_moves(sov: pd.DataFrame, threshold: float) -> list[Alert]:
    """Themes whose share of voice moved by ``threshold`` or more between the last two periods.

    Parameters
    ----------
    sov : pandas.DataFrame
        :func:`graph.listening.share_of_voice` (``period, theme, share``).
    threshold : float
        Absolute change of share (0.05 = five points).

    Returns
    -------
    list of Alert
        Key ``sov:<theme>:<period>``: one alert per theme and period.

    Examples
    --------
    >>> sov = pd.DataFrame({"period": ["2026-11-16"] * 2 + ["2026-11-23"] * 2,
    ...                     "theme": ["us", "rival"] * 2, "share": [0.7, 0.3, 0.5, 0.5]})
    >>> [a.text for a in share_moves(sov, 0.1)]  # themes in name order
    ['share of voice of rival rose from 30% to 50% (period of 2026-11-23)', 'share of voice of us fell from 70% to 50% (period of 2026-11-23)']
    """
    if sov is None or sov.empty:
        return []
    periods = sorted(sov["period"].unique())
    if len(periods) < 2:
        return []
    last, before = periods[-1], periods[-2]
    now = sov[sov["period"] == last].set_index("theme")["share"].astype(float)
    then = sov[sov["period"] == before].set_index("theme")["share"].astype(float)
    out = []
    for theme in sorted(set(now.index) | set(then.index)):
        a, b = float(then.get(theme, 0.0)), float(now.get(theme, 0.0))
        if abs(b - a) >= threshold and abs(b - a) > 0:
            verb = "rose" if b > a else "fell"
            out.append(Alert(f"sov:{theme}:{last}",
                             f"share of voice of {theme} {verb} from {a:.0%} to {b:.0%} "
                             f"(period of {last})", "listening"))
    return out


def new_alerts(alerts: Iterable[Alert], already_sent: Iterable[str]) -> list[Alert]:
    """The alerts whose key was not sent before (order kept, duplicates dropped).

    Examples
    --------
    >>> [a.key for a in new_alerts([Alert("x", "t"), Alert("y", "t"), Alert("x", "t")], ["y"])]
    ['x']
    """
    seen = set(already_sent)
    out = []
    for a in alerts:
        if a.key not in seen:
            seen.add(a.key)
            out.append(a)
    return out


def message(alerts: list[Alert], app_url: str | None = None) -> str:
    """One plain-text message for a list of alerts, each with a link into the app.

    Examples
    --------
    >>> print(message([Alert("k", "@cy entered the top 2", "leaders")], "http://127.0.0.1:8501/"))
    Scout: 1 alert
    - @cy entered the top 2 — http://127.0.0.1:8501/leaders
    """
    head = f"Scout: {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    lines = [head]
    for a in alerts:
        link = f" — {app_url.rstrip('/')}/{a.page}" if app_url else ""
        lines.append(f"- {a.text}{link}")
    return "\n".join(lines)
