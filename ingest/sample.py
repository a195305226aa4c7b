"""The sample data in ``data/``: a fictional company's conversation, ready to load.

``make run`` loads it into an empty store with ``scout load-sample --if-empty``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from graph.model import Run
from graph.store import GraphStore
from ingest.jobs import SOURCE_KINDS, import_file, import_source
from ingest.pipeline import Progress

#: Where the sample lives in a checkout (Scout is installed from its checkout).
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data"

#: The files and their importers, in loading order.
SAMPLE_FILES: tuple[tuple[str, str], ...] = (
    ("accounts.csv", "accounts"),
    ("x_pages.jsonl.gz", "jsonl"),
    ("community_edges.csv.gz", "edges"),
    # After the edge list: the export's users take over its handle-only Slack accounts.
    ("slack_export.zip", "slack"),
    ("mail.mbox.gz", "mail"),
    # The other networks: profiles first, then YouTube, Mastodon and Bluesky responses as
    # a raw archive (the connectors' own parsers), then Reddit, blogs and Facebook.
    ("networks_accounts.csv", "accounts"),
    ("networks_raw.jsonl.gz", "replay"),
    ("networks_edges.csv.gz", "edges"),
    ("roster.csv", "roster"),
    ("crm.csv", "crm"),
)


def sample_available(folder: Path = SAMPLE_DIR) -> bool:
    """Whether every sample file is present in ``folder``."""
    return all((folder / name).is_file() for name, _ in SAMPLE_FILES)


def load_sample(
    store: GraphStore,
    folder: Path = SAMPLE_DIR,
    step: Callable[[str, float], None] | None = None,
    make_progress: Callable[[str, str], Progress | None] | None = None,
    **options,
) -> list[Run]:
    """Ingest the sample files into ``store``, one run each.

    Parameters
    ----------
    store : GraphStore
    folder : Path
        Where the files are (default: the checkout's ``data/``).
    step : callable, optional
        ``step(message, fraction_done)`` before each file and at the end.
    make_progress : callable, optional
        ``make_progress(file_name, kind)`` gives the progress display of one file.
    **options
        Passed to :func:`ingest.jobs.import_file` (``report``, ``progress``…).

    Returns
    -------
    list of Run

    Raises
    ------
    InputError
        A sample file is missing or unreadable.
    """
    runs = []
    n = len(SAMPLE_FILES)
    for i, (name, kind) in enumerate(SAMPLE_FILES):
        if step is not None:
            step(f"loading {name}", i / n)
        progress = make_progress(name, kind) if make_progress is not None else None
        if kind in SOURCE_KINDS:
            runs.append(import_source(store, folder / name, kind, name=f"data/{name}",
                                      progress=progress, **options))
        else:
            runs.append(
                import_file(
                    store, folder / name, kind, name=f"data/{name}", progress=progress, **options
                )
            )
    if step is not None:
        step("sample data loaded", 1.0)
    return runs
