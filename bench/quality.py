"""Ranking quality on real data: Scout's default, every preset and the naive baselines.

Usage::

    .venv/bin/python bench/quality.py                  # every data set found
    .venv/bin/python bench/quality.py --only lazega-lawfirm --only college-msg
    .venv/bin/python bench/quality.py --json results.json --markdown table.md

Reads the development data sets in ``../shared/datasets/`` (beside the repo; see
its README for provenance, licences and protocols) and runs each protocol
through Scout's own commands, each data set in its own temporary SQLite store:

* ``scout ingest edges`` (the data set's CSV, converted to Scout's edge columns:
  one ``post_id`` per row so repeated events stay events, relative seconds
  placed after 2020-01-01, survey ties all at one date);
* temporal sets: ``scout evaluate --split T --horizon all --presets`` with T the
  median timestamp (self-loops dropped first): precision@10/50/100, NDCG@100 and
  Spearman of the default, each preset and the baselines against the events
  each account receives from T on;
* labelled sets: per relation, ``scout rank --kind R`` then ``scout evaluate
  --truth`` (ROC-AUC, precision@k, Spearman with a numeric label);
* learning: ``scout rank --kind R --learn-from`` on a random half of the labels,
  ``scout evaluate --truth`` on the other half (5 seeds; the benchmark's
  baselines are scored on the same held-out halves).

Absent data sets are skipped. Nothing here knows a data set beyond how to read
its files and labels; the product never sees a data set's name. The figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASETS = Path(os.environ.get("SCOUT_DATASETS", ROOT.parent / "shared" / "datasets"))
BASELINES = ("engagers", "in_strength", "pagerank")
RELATIVE_BASE = pd.Timestamp("2020-01-01", tz="UTC")
SURVEY_TIME = "2024-01-01T00:00:00Z"
LEARN_SEEDS = 5


# ----------------------------------------------------------------------------- running scout
def scout(store: str, *args: str) -> str:
    """Run one ``scout`` command and return its stdout.

    The command runs in this process through click (the same code path as the
    console command, without paying Python's start-up ~90 times).
    """
    from click.testing import CliRunner

    from ui.cli import cli

    r = CliRunner().invoke(cli, ["--store", store, *args], catch_exceptions=False)
    if r.exit_code != 0:
        raise RuntimeError(f"{' '.join(args[:3])}… failed ({r.exit_code}): {r.stderr.strip()}")
    return r.stdout


def ingest(store: str, events: pd.DataFrame, workdir: Path, name: str) -> None:
    path = workdir / f"{name}.csv"
    events.to_csv(path, index=False)
    scout(store, "ingest", "edges", str(path), "--platform", "generic", "--json")


def to_scout_edges(df: pd.DataFrame, relative: bool = False) -> pd.DataFrame:
    """A data set's rows as Scout edge rows (one post id per row)."""
    out = pd.DataFrame({"source": df["source"], "target": df["target"], "kind": df["kind"]})
    ts = pd.to_numeric(df.get("timestamp"), errors="coerce") if "timestamp" in df else None
    if ts is not None and ts.notna().any():
        base = RELATIVE_BASE if relative else pd.Timestamp(0, tz="UTC")
        at = base + pd.to_timedelta(ts, unit="s")
        out["timestamp"] = at.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        out["timestamp"] = SURVEY_TIME
    out["post_id"] = np.arange(len(df)).astype(str)
    return out


def truth_file(workdir: Path, name: str, labels: pd.Series) -> Path:
    p = workdir / f"truth-{name}.csv"
    pd.DataFrame({"account": [f"generic:{a}" for a in labels.index],
                  "label": labels.to_numpy()}).to_csv(p, index=False)
    return p


def results(out: str) -> dict[str, dict]:
    return {r["model"]: r for r in json.loads(out)["results"]}


# ----------------------------------------------------------------------------- protocols
def temporal(name: str, path: Path, workdir: Path, relative: bool = False) -> dict:
    df = pd.read_csv(path, dtype={"source": str, "target": str, "kind": str})
    df = df[df.source != df.target].reset_index(drop=True)
    t_split = df["timestamp"].median()
    edges = to_scout_edges(df, relative)
    split_at = (RELATIVE_BASE if relative else pd.Timestamp(0, tz="UTC")) + \
        pd.to_timedelta(t_split, unit="s")
    store = f"sqlite:///{workdir / (name + '.db')}"
    ingest(store, edges, workdir, name)
    split = split_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if split_at != pd.Timestamp(split):  # a fractional median: the protocol's t >= T
        split = (split_at.ceil("s")).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = scout(store, "evaluate", "--split", split, "--horizon", "all", "--presets", "--json")
    return {"kind": "temporal", "parts": {name: results(out)}, "info": json.loads(out)}


def labelled(name: str, folder: Path, workdir: Path, relations: list[str],
             binary: pd.Series, numeric: pd.Series | None, tops: list[int],
             union_name: str | None = None) -> dict:
    e = pd.read_csv(folder / "interactions.csv", dtype={"source": str, "target": str,
                                                        "kind": str})
    e = e[e.source != e.target]
    store = f"sqlite:///{workdir / (name + '.db')}"
    ingest(store, to_scout_edges(e), workdir, name)
    tb = truth_file(workdir, name, binary)
    tn = truth_file(workdir, name + "-numeric", numeric) if numeric is not None else None
    parts, numeric_parts, learned = {}, {}, {}
    ktops = ",".join(map(str, tops))
    for rel in relations:
        if rel == union_name:
            # every relation together, a pair counted once: its own store
            u = e.drop_duplicates(["source", "target"])
            st = f"sqlite:///{workdir / (name + '-all.db')}"
            ingest(st, to_scout_edges(u), workdir, name + "-all")
            rank_args = []
        else:
            st, rank_args = store, ["--kind", rel]
        scout(st, "rank", *rank_args, "--json")
        parts[rel] = results(scout(st, "evaluate", "--truth", str(tb), "--top", ktops,
                                   "--presets", "--json"))
        if tn is not None:
            numeric_parts[rel] = results(scout(st, "evaluate", "--truth", str(tn), "--json"))
        learned[rel] = learn_halves(st, rank_args, binary, workdir, f"{name}-{rel}")
    return {"kind": "labelled", "parts": parts, "numeric": numeric_parts, "learned": learned}


def learn_halves(store: str, rank_args: list[str], labels: pd.Series, workdir: Path,
                 tag: str) -> dict:
    """Train on a random half of the labels, score the other half; several seeds."""
    rows = []
    for seed in range(LEARN_SEEDS):
        rng = np.random.default_rng(seed)
        idx = labels.index.to_numpy().copy()
        rng.shuffle(idx)
        half = len(idx) // 2
        train, test = labels.reindex(idx[:half]), labels.reindex(idx[half:])
        tr = truth_file(workdir, f"{tag}-train{seed}", train)
        te = truth_file(workdir, f"{tag}-test{seed}", test)
        try:
            out = json.loads(scout(store, "rank", *rank_args, "--learn-from", str(tr), "--json"))
        except RuntimeError as exc:
            return {"refused": str(exc).split(": ", 1)[-1]}
        res = results(scout(store, "evaluate", "--truth", str(te), "--json"))
        rows.append({"learned": res["scout"]["auc"], "source": out["learned"]["source"],
                     **{b: res[b]["auc"] for b in BASELINES}})
        scout(store, "rank", *rank_args, "--json")  # back to the default ranking
    df = pd.DataFrame(rows)
    return {"seeds": len(rows), "learned_auc": float(df["learned"].mean()),
            "fits_used": int((df["source"] == "learned").sum()),
            "chosen": df["source"].value_counts().to_dict(),
            **{f"{b}_auc": float(df[b].mean()) for b in BASELINES}}


# ----------------------------------------------------------------------------- data sets
def run_all(only: set[str], workdir: Path) -> dict:
    out: dict[str, dict] = {}
    t0 = time.perf_counter()

    def want(name: str) -> bool:
        return not only or name in only

    def done(name: str) -> None:
        print(f"  {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    for name, rel in [("college-msg", "college-msg/interactions.csv.gz"),
                      ("sx-mathoverflow", "sx-mathoverflow/interactions.csv.gz")]:
        if want(name) and (DATASETS / rel).exists():
            out[name] = temporal(name, DATASETS / rel, workdir)
            done(name)
    if want("email-eu-depts") and (DATASETS / "email-eu-depts").exists():
        parts = {}
        for i in range(1, 5):
            p = DATASETS / f"email-eu-depts/dept{i}.csv.gz"
            if p.exists():
                parts[f"dept{i}"] = temporal(f"email-eu-dept{i}", p, workdir,
                                             relative=True)["parts"][f"email-eu-dept{i}"]
        out["email-eu-depts"] = {"kind": "temporal", "parts": parts}
        done("email-eu-depts")
    folder = DATASETS / "lazega-lawfirm"
    if want("lazega-lawfirm") and folder.exists():
        p = pd.read_csv(folder / "people.csv", dtype={"account": str}).set_index("account")
        out["lazega-lawfirm"] = labelled(
            "lazega-lawfirm", folder, workdir, ["advice", "friendship", "cowork"],
            (p["status"] == "partner").astype(float), -p["seniority_rank"].astype(float), [10])
        done("lazega-lawfirm")
    folder = DATASETS / "krackhardt-hightech"
    if want("krackhardt-hightech") and folder.exists():
        p = pd.read_csv(folder / "people.csv", dtype={"account": str}).set_index("account")
        out["krackhardt-hightech"] = labelled(
            "krackhardt-hightech", folder, workdir, ["advice", "friendship"],
            (p["level"] <= 2).astype(float), None, [5])
        done("krackhardt-hightech")
    folder = DATASETS / "ckm-physicians"
    if want("ckm-physicians") and folder.exists():
        p = pd.read_csv(folder / "people.csv", dtype={"account": str}).set_index("account")
        lab = p[p["adopted"].isin(["yes", "no"])]
        month = lab["adoption_month"].fillna(18).astype(float)
        out["ckm-physicians"] = labelled(
            "ckm-physicians", folder, workdir, ["advice", "cowork", "friendship", "all"],
            (month <= 4).astype(float), -month, [10], union_name="all")
        done("ckm-physicians")
    return out


# ----------------------------------------------------------------------------- tables
PRIMARY = {"temporal": "ndcg@100", "labelled": "auc"}


def models_of(parts: dict) -> list[str]:
    first = next(iter(parts.values()))
    return list(first)


def summary(res: dict) -> pd.DataFrame:
    """Per data set: the primary metric (mean over its parts) of every model."""
    rows = []
    for name, r in res.items():
        metric = PRIMARY[r["kind"]]
        for model in models_of(r["parts"]):
            vals = [p[model].get(metric) for p in r["parts"].values()]
            vals = [v for v in vals if v is not None]
            rows.append({"data set": name, "metric": metric, "model": model,
                         "value": float(np.mean(vals)) if vals else np.nan})
    return pd.DataFrame(rows)


def verdict(s: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, g in s.groupby("data set", sort=False):
        v = g.set_index("model")["value"]
        base = v.reindex(list(BASELINES))
        best = base.idxmax()
        rows.append({"data set": name, "metric": g["metric"].iloc[0],
                     "default (auto)": round(v["scout"], 3),
                     "best baseline": f"{best} {base[best]:.3f}",
                     "margin": round(v["scout"] - base[best], 3)})
    return pd.DataFrame(rows)


def detail(res: dict) -> pd.DataFrame:
    rows = []
    for name, r in res.items():
        for part, models in r["parts"].items():
            for model, m in models.items():
                row = {"data set": name, "part": part, "model": model}
                row.update({k: v for k, v in m.items() if k != "model"})
                rows.append(row)
    return pd.DataFrame(rows)


def learn_summary(res: dict) -> pd.DataFrame:
    """Per labelled data set: held-out AUC of the learned ranking vs each baseline (mean over
    its relations), the same aggregation as the default's table."""
    rows = []
    for name, r in res.items():
        lr = [v for v in (r.get("learned") or {}).values() if "refused" not in v]
        if not r.get("learned"):
            continue
        if not lr:
            rows.append({"data set": name, "learned AUC": None, "best baseline": "–",
                         "margin": None, "note": "refused: too few labels in a half"})
            continue
        base = {b: float(np.mean([v[f"{b}_auc"] for v in lr])) for b in BASELINES}
        best = max(base, key=base.get)
        learned = float(np.mean([v["learned_auc"] for v in lr]))
        rows.append({"data set": name, "learned AUC": round(learned, 3),
                     "best baseline": f"{best} {base[best]:.3f}",
                     "margin": round(learned - base[best], 3),
                     "note": f"{len(lr)} relation(s) × {lr[0]['seeds']} splits"})
    return pd.DataFrame(rows)


def learn_table(res: dict) -> pd.DataFrame:
    rows = []
    for name, r in res.items():
        for rel, lr in (r.get("learned") or {}).items():
            if "refused" in lr:
                rows.append({"data set": name, "relation": rel, "learned AUC": None,
                             "note": lr["refused"]})
                continue
            best = max(BASELINES, key=lambda b: lr[f"{b}_auc"])
            rows.append({"data set": name, "relation": rel,
                         "learned AUC": round(lr["learned_auc"], 3),
                         "best baseline": f"{best} {lr[f'{best}_auc']:.3f}",
                         "margin": round(lr["learned_auc"] - lr[f"{best}_auc"], 3),
                         "note": "chosen: " + ", ".join(f"{k} ×{v}" for k, v in
                                                        lr.get("chosen", {}).items())})
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("–" if np.isnan(v) else f"{v:.3f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", default=[], help="data set name (repeatable)")
    ap.add_argument("--json", type=Path, help="write every figure as JSON")
    ap.add_argument("--markdown", type=Path, help="write the tables as Markdown")
    args = ap.parse_args(argv)
    if not DATASETS.exists():
        print(f"no data sets at {DATASETS}: nothing to measure", file=sys.stderr)
        return 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scout-quality-") as tmp:
        res = run_all(set(args.only), Path(tmp))
    s = summary(res)
    pivot = s.pivot_table(index="model", columns="data set", values="value", sort=False)
    v = verdict(s)
    parts = [
        "## Default vs the best naive baseline (primary metric; mean over a set's parts)",
        markdown(v),
        f"\nmean margin: {v['margin'].mean():+.3f}; sets where the default is at least as good: "
        f"{int((v['margin'] >= 0).sum())} of {len(v)}",
        "\n## Every model (primary metric)",
        markdown(pivot.reset_index().rename(columns={"model": "model"})),
        "\n## Learning from half of the labels (held-out half, ROC-AUC, mean of "
        f"{LEARN_SEEDS} splits)",
        markdown(learn_summary(res)),
        "\nper relation:",
        markdown(learn_table(res)),
    ]
    text = "\n".join(parts)
    print(text)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
    if args.markdown:
        args.markdown.write_text(text + "\n\n## Every figure\n" + markdown(detail(res)) + "\n")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
