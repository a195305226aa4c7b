"""One builder of the ranking configuration, for the CLI, ``scout.toml`` and the app.

``scout rank`` options, the ``[ranking]`` table of ``scout.toml`` and the app's
Data page all describe a :class:`graph.ranking.RankConfig` in their own words
(dates as text, a window in days, a weights file); :func:`build_rank_config`
is where those words become one configuration, so the three cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from graph.community import DEFAULT_RESOLUTION
from graph.model import utcnow


def build_rank_config(
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    window_days: float | None = None,
    newest: datetime | None = None,
    topics: Iterable[str] = (),
    platforms: Iterable[str] = (),
    kinds: Iterable[str] = (),
    preset: str | None = None,
    weights: Mapping[str, float] | None = None,
    kind_weights: Mapping[str, float] | None = None,
    weights_file: str | Path | None = None,
    half_life_days: float | str | None = "auto",
    resolution: float = DEFAULT_RESOLUTION,
    seed: int = 0,
    betweenness_k: int | None = None,
):
    """A :class:`graph.ranking.RankConfig` from the words of any front end.

    Parameters
    ----------
    since, until : str or datetime, optional
        Window bounds (ISO 8601 text or datetimes; naive means UTC).
    window_days : float, optional
        Without ``since``: the last ``window_days`` days, counted back from
        ``newest`` (the newest event) or now, whichever is earlier — so that a
        store whose data ended in the past still has a "last 30 days", and a
        refresh that brought nothing ranks exactly as before.
    newest : datetime, optional
        The newest event's time (for ``window_days``).
    topics, platforms, kinds : iterable of str
        Filters; blank entries are dropped.
    preset : str, optional
        Weight preset; default the weights file's, else ``auto``.
    weights, kind_weights : mapping, optional
        Overrides, applied over the weights file's.
    weights_file : str or Path, optional
        A TOML/JSON weights file (:func:`graph.scoring.load_weights_file`).
    half_life_days : float, "auto" or None
        Decay half-life in days (numbers as text are accepted, e.g. from a
        command line); ``0`` or ``None`` switches decay off; ``"auto"`` (the
        default) is half the window's span (:class:`graph.ranking.RankConfig`).
    resolution : float
    seed : int
    betweenness_k : int, optional

    Returns
    -------
    graph.ranking.RankConfig

    Raises
    ------
    ConfigError
        A value the ranking refuses, or an unreadable weights file.

    Examples
    --------
    >>> from datetime import UTC
    >>> c = build_rank_config(window_days=7, newest=datetime(2024, 5, 8, tzinfo=UTC), topics=["#AI", ""])
    >>> c.since.isoformat(), c.topics
    ('2024-05-01T00:00:00+00:00', ('ai',))
    """
    from graph.ranking import RankConfig, parse_datetime
    from graph.scoring import DEFAULT_PRESET, load_weights_file

    file = load_weights_file(weights_file) if weights_file else {}
    start = parse_datetime(since)
    if start is None and window_days:
        now = utcnow()
        anchor = min(newest, now) if newest is not None else now
        start = anchor - timedelta(days=float(window_days))
    extra = {} if betweenness_k is None else {"betweenness_k": int(betweenness_k)}
    return RankConfig(
        since=start,
        until=parse_datetime(until),
        topics=tuple(t for t in topics if t and str(t).strip()),
        platforms=tuple(p for p in platforms if p),
        kinds=tuple(k for k in kinds if k),
        preset=preset or file.get("preset") or DEFAULT_PRESET,
        weights={**file.get("weights", {}), **{k: float(v) for k, v in (weights or {}).items()}},
        kind_weights={**file.get("kind_weights", {}),
                      **{k: float(v) for k, v in (kind_weights or {}).items()}},
        half_life_days=_half_life(half_life_days),
        resolution=float(resolution),
        seed=int(seed),
        **extra,
    )


def _half_life(value: float | str | None) -> float | str | None:
    """``"auto"``, a number of days, or ``None`` (no decay) from any front end's words.

    Examples
    --------
    >>> _half_life("AUTO"), _half_life("7.5"), _half_life(0), _half_life(None)
    ('auto', 7.5, None, None)
    """
    from graph.errors import ConfigError

    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return "auto"
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"half-life must be a number of days or 'auto', got {value!r}") \
                from None
    if isinstance(value, bool) or not float(value) >= 0:
        raise ConfigError(f"half-life must be >= 0 days, got {value!r}")
    return float(value) if value else None
