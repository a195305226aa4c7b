"""``scout.toml``: the configuration of unattended refreshes.

The file is checked completely before anything runs: unknown keys and wrong
types are reported with their path (``ranking.half_life_days: expected a
number, got 'thirty'``), all of them at once.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import ConfigError
from graph.model import SEGMENTS

DEFAULT_CONFIG = "scout.toml"

# The schema: key -> type, or a nested dict, or [dict] for an array of tables.
_NUMBER = (int, float)
_NUMBER_OR_AUTO = (int, float, str)  # checked further in load_config
# A community is a number, but a quoted one ("3") is accepted too.
_COMMUNITY = (int, str)
_SCHEMA: dict[str, Any] = {
    "store": {"uri": str},
    "sources": {
        "x": [
            {
                "search": str,
                "mentions": str,
                "timeline": str,
                "max": int,
                "archive": bool,
            }
        ],
        "files": [
            {
                "type": str,
                "glob": str,
                "platform": str,
                "delimiter": str,
            }
        ],
        "roster": str,
        "roster_replace": bool,
        "crm": str,
        "crm_replace": bool,
        "raw_dir": str,
        "internal_domains": [str],
    },
    "ranking": {
        "preset": str,
        "weights": dict,
        "window_days": _NUMBER,
        "half_life_days": _NUMBER_OR_AUTO,
        "topics": [str],
        "platforms": [str],
        "kinds": [str],
        "seed": int,
        "resolution": _NUMBER,
        "engine": str,
    },
    # Where `engine = "spark"` runs (graph.spark_engine.SparkSettings).
    "spark": {"master": str, "driver_memory": str, "partitions": int, "conf": dict,
              "staging_dir": str},
    "exports": [
        {
            "segment": str,
            "top": int,
            "format": str,
            "path": str,
            "community": _COMMUNITY,
            "topic": str,
        }
    ],
    "schedule": {"cron": str, "timezone": str},
    "refresh": {"lock": str, "top": int},
    "alerts": {
        "top": int,
        "segments": [str],
        "themes": bool,
        "share_change": _NUMBER,
        "period": str,
        "app_url": str,
        "webhook_url_env": str,
        "email": {"host": str, "port": int, "from": str, "to": [str], "starttls": bool,
                  "username_env": str, "password_env": str},
    },
    "listening": dict,  # checked by graph.listening.parse_listening
}

#: ``[[sources.files]]`` types: X archives, edge lists and profiles, the company's
#: channels (Slack/Viva Engage exports, mbox files, Teams JSON Lines), one file each,
#: and raw archives of any network (``replay``).
FILE_TYPES = ("jsonl", "edges", "accounts", "slack", "mail", "teams", "engage", "linkedin",
              "replay")


def _network_schemas() -> dict[str, list[dict]]:
    """``[[sources.<platform>]]`` of every connector: one endpoint key, ``max``, its options."""
    from ingest.connectors import connector, platforms

    out = {}
    for platform in platforms():
        conn = connector(platform)
        table: dict[str, Any] = {e.name: str for e in conn.endpoints}
        table["max"] = int
        table["since"] = str
        for o in conn.options:
            table[o.name] = o.type
        out[platform] = [table]
        for alias in conn.aliases:
            out[alias] = [table]
    return out


_SCHEMA["sources"].update(_network_schemas())
EXPORT_FORMATS = ("csv", "xlsx", "json")


@dataclass
class XSource:
    """One X API query: ``search`` text, or a handle's ``mentions`` / ``timeline``."""

    kind: str
    value: str
    max: int | None = None
    archive: bool = False

    @property
    def name(self) -> str:
        return f"x:{self.kind}:{self.value}"


@dataclass
class NetworkSource:
    """One fetch of a network connector (:mod:`ingest.connectors`): ``[[sources.<platform>]]``."""

    platform: str
    endpoint: str
    value: str
    max: int | None = None
    since: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The source name that keys the cursor (the connector's rule)."""
        from ingest.connectors import connector

        conn = connector(self.platform)
        value = conn.normalize_value(self.endpoint, self.value, self.options)
        return conn.source_name(self.endpoint, value, self.options)


@dataclass
class FileSource:
    """Files matching a glob, imported with one importer."""

    type: str
    glob: str
    platform: str | None = None
    delimiter: str | None = None

    @property
    def name(self) -> str:
        return f"files:{self.type}:{self.glob}"


@dataclass
class ExportRule:
    """Write the top ``top`` leaders of a segment to ``path``."""

    segment: str
    top: int
    format: str
    path: Path
    community: str | None = None
    topic: str | None = None


@dataclass
class RefreshConfig:
    """A validated ``scout.toml``. Relative paths are relative to the file's folder."""

    path: Path | None = None
    store: str | None = None
    x: list[XSource] = field(default_factory=list)
    networks: list[NetworkSource] = field(default_factory=list)
    files: list[FileSource] = field(default_factory=list)
    roster: Path | None = None
    roster_replace: bool = True
    crm: Path | None = None
    crm_replace: bool = True
    raw_dir: Path | None = None
    internal_domains: tuple[str, ...] = ()
    ranking: dict[str, Any] = field(default_factory=dict)
    spark: dict[str, Any] = field(default_factory=dict)
    exports: list[ExportRule] = field(default_factory=list)
    cron: str | None = None
    timezone: str = "UTC"
    lock: Path | None = None
    top: int = 50
    alerts: Any = None  # ingest.ops.notify.AlertSettings when [alerts] is given


def _type_name(t) -> str:
    if t is _NUMBER:
        return "a number"
    if t is _NUMBER_OR_AUTO:
        return 'a number of days or "auto"'
    if t is _COMMUNITY:
        return "a community number"
    return {str: "a string", int: "an integer", bool: "true or false", dict: "a table"}[t]


def _check(value: Any, schema: Any, path: str, problems: list[str]) -> None:
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a table, got {value!r}")
            return
        for key, sub in value.items():
            where = f"{path}.{key}" if path else key
            if key not in schema:
                problems.append(f"{where}: unknown key (known: {', '.join(schema)})")
            else:
                _check(sub, schema[key], where, problems)
    elif isinstance(schema, list):
        if not isinstance(value, list):
            problems.append(f"{path}: expected an array, got {value!r}")
            return
        for i, item in enumerate(value):
            _check(item, schema[0], f"{path}[{i}]", problems)
    else:
        # bool is an int in Python; a number field must not accept true/false.
        ok = isinstance(value, schema) and not (isinstance(value, bool) and schema is not bool)
        if schema is _NUMBER_OR_AUTO and isinstance(value, str):
            ok = value == "auto"
        if not ok:
            problems.append(f"{path}: expected {_type_name(schema)}, got {value!r}")


#: The environment variable naming the ``scout.toml`` the app and ``scout listen`` read.
CONFIG_ENV = "SCOUT_CONFIG"


def default_config_path() -> str | None:
    """The ``scout.toml`` in effect: ``$SCOUT_CONFIG``, else ``./scout.toml`` if there is one."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return env
    return "scout.toml" if os.path.isfile("scout.toml") else None


def load_config(path: str | Path) -> RefreshConfig:
    """Read and validate a ``scout.toml``.

    Parameters
    ----------
    path : str or Path
        The configuration file.

    Returns
    -------
    RefreshConfig

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or has unknown keys, wrong types or
        invalid values; the message lists every problem with its key path.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, base=path.parent, path=path)


def parse_config(raw: dict, base: Path = Path("."), path: Path | None = None) -> RefreshConfig:
    """Validate a configuration already parsed from TOML (see :func:`load_config`)."""
    problems: list[str] = []
    _check(raw, _SCHEMA, "", problems)
    if problems:
        raise ConfigError(_format(path, problems))

    def rel(p: str | None) -> Path | None:
        if p is None:
            return None
        q = Path(p).expanduser()
        return q if q.is_absolute() else base / q

    cfg = RefreshConfig(path=path)
    cfg.store = raw.get("store", {}).get("uri")
    sources = raw.get("sources", {})
    for i, x in enumerate(sources.get("x", [])):
        kinds = [k for k in ("search", "mentions", "timeline") if k in x]
        if len(kinds) != 1:
            problems.append(f"sources.x[{i}]: give exactly one of search, mentions, timeline")
            continue
        if "max" in x and x["max"] <= 0:
            problems.append(f"sources.x[{i}].max: must be positive")
        cfg.x.append(XSource(kinds[0], x[kinds[0]], x.get("max"), x.get("archive", False)))
    _networks(sources, cfg, problems)
    for i, f in enumerate(sources.get("files", [])):
        if f.get("type") not in FILE_TYPES:
            problems.append(f"sources.files[{i}].type: one of {', '.join(FILE_TYPES)} is required")
            continue
        if "glob" not in f:
            problems.append(f"sources.files[{i}].glob: required")
            continue
        glob = f["glob"] if Path(f["glob"]).is_absolute() else str(base / f["glob"])
        cfg.files.append(FileSource(f["type"], glob, f.get("platform"), f.get("delimiter")))
    cfg.roster = rel(sources.get("roster"))
    cfg.roster_replace = sources.get("roster_replace", True)
    cfg.crm = rel(sources.get("crm"))
    cfg.crm_replace = sources.get("crm_replace", True)
    cfg.raw_dir = rel(sources.get("raw_dir"))
    cfg.internal_domains = tuple(d.strip().lower().lstrip("@")
                                 for d in sources.get("internal_domains", []) if d.strip())
    cfg.ranking = dict(raw.get("ranking", {}))
    for key in ("window_days", "half_life_days", "resolution"):
        value = cfg.ranking.get(key)
        if key in cfg.ranking and not isinstance(value, str) and value <= 0:
            problems.append(f"ranking.{key}: must be positive")
    _check_weights(cfg.ranking, problems)
    _check_engine(cfg, raw, base, problems)
    for i, e in enumerate(raw.get("exports", [])):
        where = f"exports[{i}]"
        segment = e.get("segment", "all")
        fmt = e.get("format", "csv")
        if segment not in SEGMENTS:
            problems.append(f"{where}.segment: one of {', '.join(SEGMENTS)}")
        if fmt not in EXPORT_FORMATS:
            problems.append(f"{where}.format: one of {', '.join(EXPORT_FORMATS)}")
        if "path" not in e:
            problems.append(f"{where}.path: required")
            continue
        top = e.get("top", 25)
        if top <= 0:
            problems.append(f"{where}.top: must be positive")
        community = e.get("community")
        if community is not None:
            community = str(community).strip()
            if not community.lstrip("-").isdigit():
                problems.append(f"{where}.community: expected a community number, got {e['community']!r}")
        cfg.exports.append(
            ExportRule(segment, top, fmt, rel(e["path"]), community, e.get("topic"))
        )
    schedule = raw.get("schedule", {})
    cfg.cron = schedule.get("cron")
    cfg.timezone = schedule.get("timezone", "UTC")
    timezone_ok = _check_timezone(cfg.timezone, problems)
    if cfg.cron is not None and timezone_ok:
        try:
            cron_trigger(cfg.cron, cfg.timezone)
        except ValueError as exc:
            problems.append(f"schedule.cron: {exc}")
    refresh = raw.get("refresh", {})
    cfg.lock = rel(refresh.get("lock"))
    cfg.top = refresh.get("top", 50)
    if "alerts" in raw:
        cfg.alerts = _alerts(raw["alerts"], problems)
    if problems:
        raise ConfigError(_format(path, problems))
    return cfg


def _networks(sources: dict, cfg: RefreshConfig, problems: list[str]) -> None:
    """``[[sources.<platform>]]`` entries as :class:`NetworkSource` (problems added, not raised)."""
    from graph.errors import ScoutError
    from ingest.connectors import connector, platforms

    for platform in platforms():
        conn = connector(platform)
        names = [e.name for e in conn.endpoints]
        entries = [(key, i, e) for key in (platform, *conn.aliases)
                   for i, e in enumerate(sources.get(key, []))]
        for key, i, entry in entries:
            where = f"sources.{key}[{i}]"
            given = [k for k in names if k in entry]
            if len(given) != 1:
                problems.append(f"{where}: give exactly one of {', '.join(names)}")
                continue
            if "max" in entry and entry["max"] <= 0:
                problems.append(f"{where}.max: must be positive")
            options = {o.name: entry[o.name] for o in conn.options if o.name in entry}
            src = NetworkSource(platform, given[0], entry[given[0]], entry.get("max"),
                                entry.get("since"), options)
            try:
                src.name  # noqa: B018 - validates the value by the connector's rule
            except ScoutError as exc:
                problems.append(f"{where}.{given[0]}: {exc}")
                continue
            cfg.networks.append(src)


def _alerts(a: dict, problems: list[str]):
    """``[alerts]`` as :class:`ingest.ops.notify.AlertSettings` (problems added, not raised)."""
    from ingest.ops.notify import AlertSettings, EmailSettings

    settings = AlertSettings(
        top=a.get("top", 10), segments=tuple(a.get("segments", ["external"])),
        themes=a.get("themes", True), share_change=a.get("share_change", 0.05),
        period=a.get("period", "week"), app_url=a.get("app_url"),
        webhook_url_env=a.get("webhook_url_env"))
    if settings.top <= 0:
        problems.append("alerts.top: must be positive")
    for s in settings.segments:
        if s not in SEGMENTS:
            problems.append(f"alerts.segments: one of {', '.join(SEGMENTS)}, got {s!r}")
    if settings.period not in ("day", "week", "month"):
        problems.append(f"alerts.period: day, week or month, got {settings.period!r}")
    if settings.share_change is not None and not 0 < settings.share_change <= 1:
        problems.append("alerts.share_change: a share between 0 and 1 (0.05 = five points)")
    email = a.get("email")
    if email is not None:
        if "host" not in email:
            problems.append("alerts.email.host: required")
        elif not email.get("to"):
            problems.append("alerts.email.to: at least one recipient is required")
        else:
            settings.email = EmailSettings(
                host=email["host"], port=email.get("port", 587), sender=email.get("from", ""),
                to=list(email["to"]), starttls=email.get("starttls", True),
                username_env=email.get("username_env"), password_env=email.get("password_env"))
    if not settings.has_channel:
        problems.append("alerts: give webhook_url_env (the name of the variable holding the "
                        "webhook URL) or an [alerts.email] table")
    return settings


def _check_timezone(name: str, problems: list[str]) -> bool:
    """Whether ``schedule.timezone`` names a time zone (a problem is added if not)."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        problems.append(f"schedule.timezone: unknown time zone {name!r} (e.g. UTC, Europe/Paris)")
        return False
    return True


def _check_engine(cfg: RefreshConfig, raw: dict, base: Path, problems: list[str]) -> None:
    """Check ``ranking.engine`` and the ``[spark]`` table (kept as given, paths resolved)."""
    from graph.engine import ENGINES

    engine = cfg.ranking.get("engine")
    if engine is not None and str(engine).strip().lower() not in ENGINES:
        problems.append(f"ranking.engine: one of {', '.join(ENGINES)}, got {engine!r}")
    cfg.spark = dict(raw.get("spark", {}))
    if cfg.spark.get("partitions") is not None and cfg.spark["partitions"] < 1:
        problems.append("spark.partitions: must be positive")
    staging = cfg.spark.get("staging_dir")
    if staging and "://" not in staging and not Path(staging).expanduser().is_absolute():
        cfg.spark["staging_dir"] = str(base / Path(staging).expanduser())


def _check_weights(ranking: dict, problems: list[str]) -> None:
    """Check ``ranking.preset`` and ``ranking.weights`` the way a ranking would use them."""
    from graph.scoring import DEFAULT_PRESET, METRICS, PRESET_CHOICES, resolve_weights

    preset = ranking.get("preset")
    if preset is not None and preset not in PRESET_CHOICES:
        problems.append(f"ranking.preset: one of {', '.join(PRESET_CHOICES)}, got {preset!r}")
        return
    weights = ranking.get("weights", {})
    bad = False
    for key, value in weights.items():
        if key not in METRICS:
            problems.append(f"ranking.weights.{key}: unknown metric (known: {', '.join(METRICS)})")
            bad = True
        elif isinstance(value, bool) or not isinstance(value, _NUMBER):
            problems.append(f"ranking.weights.{key}: expected a number, got {value!r}")
            bad = True
    if not bad:
        try:
            resolve_weights(preset or DEFAULT_PRESET, weights)
        except ValueError as exc:  # e.g. every weight zero
            problems.append(f"ranking.weights: {exc}")


def cron_trigger(expression: str, timezone: str = "UTC"):
    """An APScheduler ``CronTrigger`` from a 5-field cron expression, with cron's meaning.

    APScheduler 3 numbers weekdays from Monday = 0, while cron has Sunday = 0
    (and 7); the weekday field is translated, so that ``0 6 * * 1`` is Mondays
    at 06:00 as in crontab(5).

    Raises
    ------
    ValueError
        The expression is not 5 fields or a field is invalid.

    Examples
    --------
    >>> str(cron_trigger("0 6 * * 1").fields[4])
    'mon'
    """
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {expression!r}")
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        # cron runs when EITHER matches, APScheduler when both do: refuse rather than differ.
        raise ValueError(
            f"{expression!r} restricts both the day of month and the weekday; use one of them"
        )
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_cron_weekdays(weekday), timezone=timezone)
    except Exception as exc:  # APScheduler raises ValueError or pytz/zoneinfo errors
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from None


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_weekdays(field: str) -> str:
    """cron's weekday field (0 or 7 = Sunday, names, ranges, steps) as APScheduler day names.

    Examples
    --------
    >>> _cron_weekdays("1-5"), _cron_weekdays("0,6"), _cron_weekdays("*/2"), _cron_weekdays("7")
    ('mon,tue,wed,thu,fri', 'sun,sat', 'sun,tue,thu,sat', 'sun')
    """
    if field == "*":
        return field

    def day(token: str) -> int:
        t = token.strip().lower()
        if t in _WEEKDAYS:
            return _WEEKDAYS.index(t)
        if t.isdigit() and 0 <= int(t) <= 7:
            return int(t)
        raise ValueError(f"invalid weekday {token!r} (0-7 or sun-sat)")

    days: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"invalid step in weekday {item!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            first, last = (day(t) for t in span.split("-", 1))
            if first > last:
                raise ValueError(f"invalid weekday range {span!r}")
        else:
            first = day(span)
            last = 6 if step else first
        days.update(d % 7 for d in range(first, last + 1, step or 1))
    return ",".join(_WEEKDAYS[d] for d in sorted(days))


def _format(path: Path | None, problems: list[str]) -> str:
    head = f"{path}: " if path else ""
    if len(problems) == 1:
        return head + problems[0]
    return head + f"{len(problems)} problems:\n  " + "\n  ".join(problems)
