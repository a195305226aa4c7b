"""The Network page and the Account page's ego network (AppTest, ranked sample data).

The renderer itself is JavaScript (``tests/ui/test_browser_network.py`` drives it in
Chromium); here we check what the pages send it — how many accounts, sampling, filters,
employees pseudonymised, no account key — and that a click it reports opens the account.
"""

from __future__ import annotations

import json
import re

from graph.factory import open_store
from graph.layout import LayoutCache

from .test_app import assert_clean, page, snapshot_table

PSEUDONYM = re.compile(r"^[A-Z?][A-Z.]* \(.+\)$")


def sent(at, key: str = "network_map") -> dict:
    """The payload the page handed the renderer ``key`` (the component's JSON arguments)."""
    comps = [c for c in at.get("component_instance") if c.proto.id.endswith(key)]
    assert len(comps) == 1, [c.proto.id for c in at.get("component_instance")]
    return json.loads(comps[0].proto.json_args)["data"]


def test_network_page_draws_every_account_with_community_colours(make_app, app_sample_uri,
                                                                 tmp_path):
    at = make_app(app_sample_uri)
    page(at, "network")
    assert_clean(at)
    data = sent(at)
    table = snapshot_table(app_sample_uri)
    n = len(data["nodes"]["label"])
    assert 1000 < n <= 10_000 and not at.warning  # the sample fits: nothing sampled
    assert any(f"{n:,} accounts" in c.value for c in at.caption)
    for col in ("x", "y", "size", "color", "ring", "rank", "score", "community", "interactions"):
        assert len(data["nodes"][col]) == n
    assert len(data["edges"]["s"]) == len(data["edges"]["t"]) > n
    assert max(data["edges"]["s"] + data["edges"]["t"]) < n
    # ordered by score; the best account is drawn biggest
    assert data["nodes"]["score"] == sorted(data["nodes"]["score"], reverse=True)
    assert data["nodes"]["size"][0] == max(data["nodes"]["size"])
    # no account key reaches the browser; employees are ringed and pseudonymised
    blob = json.dumps(data)
    assert not any(k in blob for k in table["account"].head(200) if ":" in k)
    rings = [lab for lab, r in zip(data["nodes"]["label"], data["nodes"]["ring"], strict=True)
             if r]
    assert rings and all(PSEUDONYM.match(lab) for lab in rings)
    assert data["ring_label"] == "Employee" and data["legend"][0][0].startswith("Community ")
    # the layout was computed once for the snapshot and cached on disk
    assert list((tmp_path / "cache" / "layouts").glob("layout-*.npz"))
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")
    page(at, "network")
    named = sent(at)
    assert all(lab.startswith("@") for lab, r in
               zip(named["nodes"]["label"], named["nodes"]["ring"], strict=True) if r)


def test_network_page_samples_by_score_and_filters_like_leaders(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "network")
    total = len(sent(at)["nodes"]["label"])
    at.select_slider(key="nv_limit").set_value(1_000).run()
    assert_clean(at)
    data = sent(at)
    assert len(data["nodes"]["label"]) == 1_000
    assert any("Sampled" in w.value and f"of {total:,}" in w.value for w in at.warning)
    # employees as leaders: they come first, then their engagers
    at.segmented_control(key="nv_segment").set_value("internal").run()
    assert_clean(at)
    data = sent(at)
    rings = data["nodes"]["ring"]
    first_external = rings.index(0)
    assert first_external > 0 and not any(rings[first_external:first_external + 50])
    with open_store(app_sample_uri) as store:
        internal = (store.load_snapshot().table["segment"] == "internal").sum()
    assert first_external <= internal
    at.segmented_control(key="nv_segment").set_value("all").run()
    at.select_slider(key="nv_limit").set_value(10_000).run()
    at.multiselect(key="nv_communities").set_value([0]).run()
    assert_clean(at)
    one = sent(at)
    assert len(one["nodes"]["label"]) < total
    assert one["nodes"]["community"][0] == 0


def test_a_click_on_the_map_opens_the_account(make_app, app_sample_uri):
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")
    page(at, "network")
    data = sent(at)
    label = data["nodes"]["label"][3]
    # what the renderer sends back on a click: the view, the node's index, a time stamp
    at.session_state["network_map"] = {"view": data["view"], "node": 3, "at": 1}
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Account"
    assert at.header[0].value.startswith(label)
    assert at.query_params["account"]


def test_stale_or_bad_clicks_are_ignored(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "network")
    for value in ({"view": "old", "node": 3, "at": 1}, {"view": sent(at)["view"], "node": 10**9},
                  "junk"):
        at.session_state["network_map"] = value
        at.run()
        assert_clean(at)
        assert at.title[0].value == "Network"


def test_account_page_ego_network_and_click(make_app, app_sample_uri):
    table = snapshot_table(app_sample_uri)
    key = table[table["handle"] == "aisha_builds"]["account"].iloc[0]
    at = make_app(app_sample_uri, run=False, SCOUT_SHOW_EMPLOYEE_NAMES="1")
    at.query_params["account"] = key
    at.run()
    page(at, "account")
    assert_clean(at)
    one = sent(at, "ego_map")
    assert one["focus"] == 0 and one["nodes"]["label"][0] == "@aisha_builds"
    assert one["nodes"]["x"][0] == 0 and one["nodes"]["y"][0] == 0
    at.segmented_control(key="ego_hops").set_value(2).run()
    assert_clean(at)
    two = sent(at, "ego_map")
    assert len(two["nodes"]["label"]) > len(one["nodes"]["label"])
    other = two["nodes"]["label"][1]
    at.session_state["ego_map"] = {"view": two["view"], "node": 1, "at": 5}
    at.run()
    assert_clean(at)
    assert at.header[0].value.startswith(other) and at.query_params["account"] != key


def test_layout_cache_is_keyed_by_snapshot(make_app, app_sample_uri, tmp_path):
    at = make_app(app_sample_uri)
    page(at, "network")
    files = list((tmp_path / "cache" / "layouts").glob("layout-*.npz"))
    with open_store(app_sample_uri) as store:
        snap = store.load_snapshot()
    assert len(files) == 1 and files[0].name.startswith(f"layout-{snap.id}".replace(":", "_"))
    got = LayoutCache(tmp_path / "cache" / "layouts").get(files[0].name[len("layout-"):-4])
    assert got is not None and len(got) == len(sent(at)["nodes"]["label"])
