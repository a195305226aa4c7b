"""The network view in a real headless Chromium: the WebGL map draws the sample's accounts,
hovering shows who an account is, and a click on an account opens it on the Account page.

Same set-up as ``test_browser.py`` (Debian's Chromium through Playwright, every request
that would leave 127.0.0.1 blocked and recorded). A screenshot is saved under
``artifacts/`` (git-ignored).
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from .test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    app_server,  # noqa: F401 - the fixture
    settle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FRAME = "iframe[title='ui.app_network.scout_network']"


def test_network_map_renders_and_a_click_opens_the_account(app_server):  # noqa: F811
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from graph.sqlite_store import SqliteStore

    base, db = app_server
    external: list[str] = []
    with SqliteStore(db) as store:
        table = store.load_snapshot().table

    def guard(route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1300})
            context.route("**/*", guard)
            page = context.new_page()
            page.goto(f"{base}/network")
            settle(page)
            frame = page.frame_locator(FRAME).first
            body = frame.locator("body")
            frame.locator("body[data-rendered], body[data-error]").wait_for(timeout=120_000)
            info = body.evaluate("b => Object.assign({}, b.dataset)")
            assert "error" not in info, info["error"]
            assert int(info["nodes"]) > 1000 and int(info["edges"]) > int(info["nodes"])

            # the map is drawn: many colours on the canvas, not a blank frame
            iframe = page.locator(FRAME).first
            iframe.scroll_into_view_if_needed()
            shot = Image.open(io.BytesIO(iframe.screenshot())).convert("RGB")
            colours = shot.resize((200, 200)).getcolors(maxcolors=200 * 200)
            assert len(colours) > 50

            # hover the best account: the tooltip names it; click it: its Account page opens
            box = iframe.bounding_box()
            at = frame.locator("body").evaluate("() => window.scoutNodeViewport(0)")
            x, y = box["x"] + at["x"], box["y"] + at["y"]
            page.mouse.move(x, y)
            tip = frame.locator("#tip")
            tip.wait_for(state="visible", timeout=30_000)
            label = tip.locator("b").inner_text()
            assert "rank 1 ·" in tip.inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-network.png"), full_page=True)
            page.mouse.click(x, y)
            page.wait_for_url("**/account?account=*", timeout=60_000)
            settle(page)
            key = parse_qs(urlsplit(page.url).query)["account"][0]
            best = table.sort_values("rank")["account"].iloc[0]
            assert key == best
            heading = page.get_by_role("heading", level=2).first
            heading.wait_for(timeout=30_000)
            row = table.set_index("account").loc[best]
            assert heading.inner_text().startswith(f"@{row['handle']}")
            # names are locked: an employee shows as a pseudonym on the map
            assert label == (f"@{row['handle']}" if row["segment"] != "internal"
                             else label) and "(" not in label or row["segment"] == "internal"

            # the Account page draws the ego network with the same renderer
            ego = page.frame_locator(FRAME).first
            ego.locator("body[data-rendered], body[data-error]").wait_for(timeout=120_000)
            ego_info = ego.locator("body").evaluate("b => Object.assign({}, b.dataset)")
            assert "error" not in ego_info and int(ego_info["nodes"]) > 1
        finally:
            browser.close()
    assert external == []
