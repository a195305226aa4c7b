"""The People page (AppTest on the ranked sample data): people, linked accounts, suggestions."""

from __future__ import annotations

from graph.factory import open_store
from tests.ui.test_app import assert_clean, frame, page, shown_text


def test_people_page_shows_people_accounts_and_suggestions(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "people")
    assert_clean(at)
    assert at.title[0].value == "People"
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["People with linked accounts"].replace(",", "")) >= 150
    assert int(metrics["Pending suggestions"].replace(",", "")) > 0
    people = frame(at, key="people_table")
    # Employees are pseudonymised by default: initials and department, no id.
    marta = people[people["shown"] == "M.S. (Customer Success)"]
    assert len(marta) == 1 and marta.iloc[0]["person"] == ""
    assert "Marta Silva" not in shown_text(at)
    suggestions = frame(at, column="reason")
    assert {"a", "b", "reason"} <= set(suggestions.columns)
    leaders = frame(at, column="n_accounts")
    assert leaders.iloc[0]["segment"] == "internal" and leaders.iloc[0]["n_accounts"] >= 4
    assert "(" in leaders.iloc[0]["name"]  # initials (department)

    # Accept the first suggestion: the two accounts become one person, and it is not pending.
    a, b = suggestions.iloc[0]["a"], suggestions.iloc[0]["b"]
    at.button(key="accept_suggestion").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        decisions = store.link_decisions()
    assert ((decisions["a"] == min(a, b)) & (decisions["b"] == max(a, b))
            & (decisions["decision"] == "link")).any()
    after = frame(at, column="reason")
    assert not ((after["a"] == a) & (after["b"] == b)).any()
    assert f"Linked {a} and {b}." in shown_text(at)
    # Reject the next one: it is not pending any more either.
    a2, b2 = after.iloc[0]["a"], after.iloc[0]["b"]
    at.button(key="reject_suggestion").click().run()
    assert_clean(at)
    final = frame(at, column="reason")
    assert not ((final["a"] == a2) & (final["b"] == b2)).any()


def test_people_page_names_when_unlocked(make_app, app_sample_uri, capture_downloads):
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")
    page(at, "people")
    assert_clean(at)
    csv = dict(capture_downloads)["leaders-by-person-internal.csv"].decode("utf-8-sig")
    assert "mail:marta.silva@lumina-analytics.example" in csv and "marta_solves (x)" in csv
    people = frame(at, key="people_table")
    row = people[people["shown"] == "Marta Silva"].iloc[0]
    assert row["person"] == "mail:marta.silva@lumina-analytics.example"
    assert row["n_accounts"] == 5 and row["platforms"] == "community;email;linkedin;slack;x"
