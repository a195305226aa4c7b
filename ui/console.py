"""Terminal rendering for the CLI (rich tables on stdout, progress on stderr)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from graph.model import Stats

stdout = Console()
stderr = Console(stderr=True)


def print_stats(s: Stats, console: Console = stdout) -> None:
    """Print ``scout stats`` as tables."""
    span = (
        f"{s.first_at:%Y-%m-%d %H:%M} → {s.last_at:%Y-%m-%d %H:%M} UTC" if s.first_at else "—"
    )
    head = Table(title=f"Scout store {s.store}", show_header=False)
    head.add_row("accounts", f"{s.accounts:,}")
    head.add_row("  internal", f"{s.internal_accounts:,}")
    head.add_row("  external", f"{s.external_accounts:,}")
    head.add_row("interactions", f"{s.interactions:,}")
    head.add_row("time span", span)
    console.print(head)
    for title, counts in (("by kind", s.by_kind), ("by platform", s.by_platform)):
        if counts:
            t = Table(title=f"interactions {title}")
            t.add_column(title.split()[-1])
            t.add_column("count", justify="right")
            for name, n in counts.items():
                t.add_row(name, f"{n:,}")
            console.print(t)
    if s.last_runs:
        t = Table(title="last runs")
        for col in ("started (UTC)", "kind", "source", "status", "read", "inserted", "dup", "rejected"):
            t.add_column(col)
        for r in s.last_runs:
            t.add_row(
                f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                r.kind,
                r.source,
                r.status,
                str(r.read),
                str(r.inserted),
                str(r.duplicates),
                str(r.rejected),
            )
        console.print(t)
    elif s.accounts == 0:
        console.print("The store is empty: load data with `scout ingest …` or `scout load-sample`.")
