"""``scout app``: serve the web app (Streamlit) on this machine.

The command replaces itself with ``python -m streamlit run ui/app.py`` and the
options below; the store URI goes to the app in ``SCOUT_STORE``. It binds to
127.0.0.1 unless told otherwise: to share the app on a network, pass
``--address 0.0.0.0`` *and* set ``SCOUT_APP_PASSWORD`` (or configure OIDC).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from graph.store_uri import parse_store_uri
from ui.context import AppContext, pass_app

APP_PATH = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "127.0.0.1"
#: Largest upload on the Data page (MB).
MAX_UPLOAD_MB = 1024


def streamlit_command(port: int = DEFAULT_PORT, address: str = DEFAULT_ADDRESS,
                      python: str | None = None) -> list[str]:
    """The command line that serves the app.

    Examples
    --------
    >>> cmd = streamlit_command(8600)
    >>> cmd[1:4] == ["-m", "streamlit", "run"], "--server.port" in cmd, cmd[cmd.index("--server.address") + 1]
    (True, True, '127.0.0.1')
    """
    return [
        python or sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", str(MAX_UPLOAD_MB),
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
        "--theme.primaryColor", "#6d28d9",
    ]


def app_environment(store_uri: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the app process: ``base`` (default ``os.environ``) plus ``SCOUT_STORE``."""
    env = dict(os.environ if base is None else base)
    if store_uri:
        env["SCOUT_STORE"] = store_uri
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


@click.command("app")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on.")
@click.option("--address", default=DEFAULT_ADDRESS, show_default=True,
              help="Address to bind. Use 0.0.0.0 to share on the network (set "
              "SCOUT_APP_PASSWORD too).")
@click.option("--store", "store_override", default=None, metavar="URI",
              help="Store URI (overrides the global --store / SCOUT_STORE).")
@click.option("--config", "config_path", default=None, envvar="SCOUT_CONFIG",
              type=click.Path(dir_okay=False), metavar="FILE",
              help="scout.toml whose schedule the Overview shows (default: ./scout.toml if any).")
@pass_app
def app(app_ctx: AppContext, port: int, address: str, store_override: str | None,
        config_path: str | None) -> None:
    """Serve the web app: overview, leaders, accounts, communities, shortlists, data.

    \b
    Examples:
      scout app                      # http://127.0.0.1:8501
      scout --store bolt://db:7687 app --port 8600
      SCOUT_APP_PASSWORD=… scout app --address 0.0.0.0
    """
    uri = store_override or app_ctx.store_uri
    loc = parse_store_uri(uri)  # a malformed URI fails here, with one line
    if address not in ("127.0.0.1", "localhost", "::1") and not os.environ.get(
            "SCOUT_APP_PASSWORD"):
        click.echo(f"scout: warning: serving on {address} without SCOUT_APP_PASSWORD: anyone "
                   "who can reach this port can see and change the data.", err=True)
    click.echo(f"Scout app on http://{address}:{port} (store {loc.display}); Ctrl+C to stop.",
               err=True)
    cmd = streamlit_command(port, address)
    env = app_environment(uri)
    if config_path:
        env["SCOUT_CONFIG"] = os.path.abspath(config_path)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)


COMMANDS = [app]
