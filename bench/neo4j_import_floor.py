"""The offline importer's floor: Scout's import files vs bare ids, through ``neo4j-admin database import``.

``scout import`` cannot beat the importer it runs. This benchmark times Neo4j's
offline importer twice on the same graph: once on the files ``scout import
--files-only`` wrote (every property of the data model), once on minimal files
with the same nodes and relationships and no property but the node ids. Each
runs into a scratch Neo4j home (``scripts/neo4j.sh import-only``: no server is
stopped, nothing is swapped in), and prints wall time, CPU seconds (user +
system of the importer's JVM) and the load average, so that runs on a shared
machine can be compared.

Usage::

    scout --store bolt://127.0.0.1:7687 import --kind edges e10m.csv --files-only --dir /tmp/imp10m
    .venv/bin/python bench/neo4j_import_floor.py /tmp/imp10m [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

# The repository first: bench/ingest.py would shadow the ingest package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ingest.neo4j_import import NODE_FILE, PENDING_FILE, RELATIONSHIP_FILE, importer_options  # noqa: E402

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j.sh"


def minimal_files(directory: Path, out: Path) -> tuple[list[str], int]:
    """Id-only copies of ``directory``'s node and relationship files: their importer options and row count."""
    out.mkdir(parents=True, exist_ok=True)
    read = pacsv.ReadOptions(block_size=64 << 20)
    for name, columns in ((NODE_FILE, ["key:ID(Account)"]),
                          (RELATIONSHIP_FILE, [":START_ID(Account)", ":END_ID(Account)"])):
        table = pacsv.read_csv(directory / name, read_options=read,
                               convert_options=pacsv.ConvertOptions(include_columns=columns))
        pacsv.write_csv(table, out / name)
    options = [f"--nodes=Account={out / NODE_FILE}", f"--relationships=INTERACTED={out / RELATIONSHIP_FILE}",
               "--skip-bad-relationships=false", "--skip-duplicate-nodes=false", "--bad-tolerance=0"]
    return options, table.num_rows


def timed_import(options: list[str], home: Path) -> dict[str, float]:
    """One importer run into the scratch ``home``: wall and CPU seconds, load averages."""
    shutil.rmtree(home, ignore_errors=True)
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(["bash", str(SCRIPT), "import-only", str(home), *options],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"the importer failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    shutil.rmtree(home, ignore_errors=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "load_before": load, "load_after": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("directory", type=Path, help="what `scout import --files-only --dir DIR` wrote")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each, alternating (default 1)")
    ap.add_argument("--scratch", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--multiline", action="store_true",
                    help="some field holds a line break (the printed command says --multiline-fields=true)")
    args = ap.parse_args(argv)
    directory = args.directory.resolve()
    if not (directory / RELATIONSHIP_FILE).exists() or not (directory / PENDING_FILE).exists():
        raise SystemExit(f"{directory} holds no `scout import --files-only` output")
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="scout-import-floor-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        bare, relationships = minimal_files(directory, scratch / "bare")
        variants = {"scout files (every property)": importer_options(directory, multiline=args.multiline),
                    "bare ids (floor)": bare}
        print(f"{relationships:,} relationships; {os.cpu_count()} cores")
        for i in range(args.repeat):
            for name, options in variants.items():
                r = timed_import(options, scratch / "home")
                print(f"run {i + 1} {name:30s} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU "
                      f"{relationships / r['wall']:>10,.0f} relationships/s wall "
                      f"(load {r['load_before']:.1f} -> {r['load_after']:.1f})", flush=True)
    finally:
        if args.scratch is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
