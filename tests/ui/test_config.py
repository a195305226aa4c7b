"""scout.toml validation: every problem reported with its key path, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigError
from ingest.ops.config import load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def test_the_example_config_is_valid():
    cfg = load_config(REPO / "scout.example.toml")
    assert cfg.files and cfg.roster and cfg.crm and cfg.exports
    assert cfg.cron
    assert all(rule.path.is_absolute() or rule.path.parts for rule in cfg.exports)


def test_relative_paths_are_relative_to_the_file(tmp_path):
    f = tmp_path / "conf" / "scout.toml"
    f.parent.mkdir()
    f.write_text(
        '[sources]\nroster = "people/roster.csv"\n'
        '[[sources.files]]\ntype = "edges"\nglob = "in/*.csv"\n'
        '[[exports]]\npath = "out/top.csv"\n'
    )
    cfg = load_config(f)
    assert cfg.roster == f.parent / "people" / "roster.csv"
    assert cfg.files[0].glob == str(f.parent / "in" / "*.csv")
    assert cfg.exports[0].path == f.parent / "out" / "top.csv"
    assert (cfg.exports[0].segment, cfg.exports[0].top, cfg.exports[0].format) == ("all", 25, "csv")


def test_unknown_keys_and_wrong_types_are_all_reported_with_their_path():
    raw = {
        "ranking": {"presett": "balanced", "half_life_days": "thirty"},
        "exports": [{"path": "x.csv", "top": "ten"}],
        "sources": {"x": [{"search": "lumina", "max": True}]},
    }
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    msg = str(err.value)
    assert "ranking.presett: unknown key" in msg
    assert "ranking.half_life_days: expected a number of days or \"auto\", got 'thirty'" in msg
    assert "exports[0].top: expected an integer, got 'ten'" in msg
    assert "sources.x[0].max: expected an integer, got True" in msg
    assert "4 problems" in msg


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"schedule": {"cron": "every monday"}}, "schedule.cron"),
        ({"schedule": {"cron": "61 * * * *"}}, "schedule.cron"),
        ({"exports": [{"path": "a", "format": "pdf"}]}, "exports[0].format"),
        ({"exports": [{"path": "a", "segment": "vip"}]}, "exports[0].segment"),
        ({"exports": [{"top": 3}]}, "exports[0].path: required"),
        ({"sources": {"files": [{"type": "xml", "glob": "*"}]}}, "sources.files[0].type"),
        ({"sources": {"x": [{"search": "a", "timeline": "b"}]}}, "exactly one of"),
        ({"ranking": {"window_days": 0}}, "ranking.window_days: must be positive"),
        ({"store": "sqlite:///x.db"}, "store: expected a table"),
    ],
)
def test_invalid_values(raw, expected):
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        parse_config(raw)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[ranking\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"ranking": {"preset": "loud"}}, "ranking.preset: one of auto, attention"),
        ({"ranking": {"weights": {"fame": 1}}}, "ranking.weights.fame: unknown metric"),
        ({"ranking": {"weights": {"reach": "high"}}}, "ranking.weights.reach: expected a number"),
        ({"ranking": {"preset": "reach", "weights": {"engagers": 0, "in_strength": 0,
                                                     "pagerank": 0, "reach": 0}}},
         "ranking.weights: every weight is zero"),
        ({"exports": [{"path": "a", "community": "big"}]}, "exports[0].community: expected a community number"),
        ({"schedule": {"cron": "0 6 * * 1", "timezone": "Mars/Base"}}, "schedule.timezone: unknown time zone"),
        ({"schedule": {"cron": "0 6 1 * 1"}}, "schedule.cron: .* restricts both"),
        ({"schedule": {"cron": "0 6 * * 8"}}, "schedule.cron: .*invalid weekday"),
    ],
)
def test_ranking_export_and_schedule_values(raw, expected):
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        parse_config(raw)


def test_community_may_be_a_number_or_a_quoted_number():
    cfg = parse_config({"exports": [{"path": "a", "community": 3}, {"path": "b", "community": "4"}]})
    assert [e.community for e in cfg.exports] == ["3", "4"]


@pytest.mark.parametrize(
    ("expression", "first_fire"),
    [
        ("0 6 * * 1", "2026-11-30 06:00"),  # cron's 1 is Monday (APScheduler 3's 1 is Tuesday)
        ("0 6 * * 0", "2026-11-29 06:00"),
        ("0 6 * * 7", "2026-11-29 06:00"),
        ("0 6 * * 1-5", "2026-11-24 06:00"),
        ("0 6 * * sat,sun", "2026-11-28 06:00"),
        ("15 */6 * * *", "2026-11-23 12:15"),
        ("0 3 1 * *", "2026-12-01 03:00"),
    ],
)
def test_cron_expressions_keep_crons_meaning(expression, first_fire):
    from datetime import UTC, datetime

    from ingest.ops.config import cron_trigger

    # 2026-11-23 is a Monday.
    fire = cron_trigger(expression).get_next_fire_time(None, datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    assert fire.strftime("%Y-%m-%d %H:%M") == first_fire
