"""Benchmark the network view: a 10,000-account map in a real headless Chromium.

Usage::

    .venv/bin/python bench/network_view.py                       # 10,000 accounts, 3 runs
    .venv/bin/python bench/network_view.py --accounts 20000 --runs 5
    .venv/bin/python bench/network_view.py --screenshot docs/screenshots/network.png

A synthetic conversation (``bench/rank.py``'s generator: heavy-tailed activity
and popularity, planted communities, 1 % employees) is loaded into a temporary
SQLite store and ranked with the real ranking; ``scout app`` is started on
127.0.0.1 and Debian's Chromium (Playwright, ``executable_path``) opens the
Network page (its default limit: 10,000 accounts). The renderer marks its ``<body>``
with ``data-rendered`` once the first frame is painted, with the time; the
figure is **from the start of the page load (navigation) until the map is
drawn**, taken from the browser's own clocks:

* **cold** — first view after the server started: the ranking and interactions
  are read and the layout is computed (then cached on disk for the snapshot);
* **warm** — later views (new browser pages, so new sessions): server caches hot.

The browser also reports how long the renderer itself took (graph + WebGL
draw). The target is 5 s warm. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM = os.environ.get("SCOUT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGET_SECONDS = 5.0
FRAME = "iframe[title='ui.app_network.scout_network']"


def build_store(path: Path, accounts: int, seed: int = 7) -> tuple[int, int]:
    """A ranked SQLite store with a synthetic conversation of about ``accounts`` accounts
    (a fifth more, so that the map is sampled to the limit)."""
    from rank import synthetic

    from graph.model import Account, Interaction, Person
    from graph.ranking import RankConfig, rank_store
    from graph.sqlite_store import SqliteStore

    n_accounts = int(accounts * 1.2)
    events, accts = synthetic(accounts * 4, n_accounts, seed, communities=14)
    store = SqliteStore(path)
    with store.bulk_load():
        store.upsert_accounts(
            [Account("x", k.split(":", 1)[1], handle=h, followers=int(f))
             for k, h, f in zip(accts["key"], accts["handle"], accts["followers"], strict=True)])
        batch = []
        for i, row in enumerate(events.itertuples(index=False)):
            batch.append(Interaction("x", f"p{i}", row.kind, row.source, row.target,
                                     row.at.to_pydatetime(), topics=row.topics))
            if len(batch) == 50_000:
                store.write_batch([], batch)
                batch = []
        if batch:
            store.write_batch([], batch)
    store.set_roster([Person(handle=h, platform="x", name=f"Employee {h[4:]}",
                             department="Engineering")
                      for h in accts.loc[accts["internal"], "handle"]])
    out = rank_store(store, RankConfig())
    n = len(out.snapshot.table)
    store.close()
    return n, len(events)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(db: Path, cache: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = Path(sys.executable).with_name("scout")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ui.cli"]
    env = {**os.environ, "SCOUT_CACHE_DIR": str(cache)}
    env.pop("SCOUT_APP_PASSWORD", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI
            [*cmd, "--store", f"sqlite:///{db}", "app", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 90
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"scout app exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):  # noqa: S310
                return proc, url
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"scout app did not start:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def load_map(browser, url: str, screenshot: Path | None = None) -> dict:
    """Open the Network page (its default limit: 10,000 accounts), wait for the map; the
    browser's timings."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        page.goto(f"{url}/network")
        frame = page.frame_locator(FRAME).first
        frame.locator("body[data-rendered], body[data-error]").wait_for(timeout=180_000)
        data = frame.locator("body").evaluate("b => Object.assign({}, b.dataset)")
        if "error" in data:
            raise SystemExit(f"the renderer failed: {data['error']}")
        origin = page.evaluate("performance.timeOrigin")
        data["seconds"] = (float(data["renderedAt"]) - origin) / 1000
        if screenshot is not None:
            time.sleep(0.5)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))
            from PIL import Image  # a palette PNG: a third of the size, same look

            with Image.open(screenshot) as img:
                img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                            dither=Image.Dither.NONE).save(screenshot,
                                                                           optimize=True)
        return data
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000,
                        help="size of the synthetic conversation (the store holds a fifth more "
                        "accounts; the page draws its default limit, 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="warm page loads")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the last warm load")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="scout-bench-network-"))
    try:
        t0 = time.perf_counter()
        ranked, n_events = build_store(tmp / "bench.db", args.accounts)
        print(f"store: {n_events:,} interactions, {ranked:,} ranked accounts "
              f"in {time.perf_counter() - t0:.1f}s")
        proc, url = start_app(tmp / "bench.db", tmp / "cache", tmp / "app.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    cold = load_map(browser, url)
                    warm = [load_map(browser, url,
                                     args.screenshot if i == args.runs - 1 else None)
                            for i in range(args.runs)]
                finally:
                    browser.close()
        finally:
            stop(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    secs = [w["seconds"] for w in warm]
    draw = [float(w["renderMs"]) / 1000 for w in warm]
    print(f"Network page, {int(cold['nodes']):,} accounts and {int(cold['edges']):,} ties drawn "
          f"(headless Chromium, software WebGL; load average {os.getloadavg()[0]:.1f}):")
    print(f"  cold (server reads, lays out)  {cold['seconds']:.2f}s from page load to drawn map "
          f"(renderer {float(cold['renderMs']) / 1000:.2f}s)")
    print(f"  warm, {args.runs} loads               median {statistics.median(secs):.2f}s "
          f"(min {min(secs):.2f}, max {max(secs):.2f}) from page load to drawn map")
    print(f"  of which the renderer          median {statistics.median(draw):.2f}s "
          "(graph built + first WebGL frame)")
    verdict = "OK" if statistics.median(secs) <= TARGET_SECONDS else "over target"
    print(f"  target: warm ≤ {TARGET_SECONDS:.0f}s → {verdict}")
    if args.screenshot:
        print(f"  screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
