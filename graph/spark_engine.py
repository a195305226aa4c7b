"""Rank on Apache Spark: the default ranking's metrics for graphs past one machine.

:func:`rank_events_spark` computes, from a Spark DataFrame of events, the same
ranking table as :func:`graph.ranking.rank_events`; :func:`rank_store_spark`
reads a store (or a Parquet folder written by ``scout export events``), ranks on
Spark and saves the snapshot and run through the store interface, like
:func:`graph.ranking.rank_store`, so the app, exports and refreshes read it
unchanged.

What runs where. Work that grows with the *events* and *edges* runs on Spark;
work on one value per *account* (the ranking table itself) runs on the driver
with the very functions the in-process ranking uses, so the rules have one home:

==========================  ===================================================
event weight (kind, decay)  :func:`graph.projection.event_weights`, applied to
                            each Arrow batch on the executors (``mapInPandas``)
edges, in-strength,         Spark aggregations of those weights (sums, counts)
engagers, activity
automation                  counts on Spark (events out, targets, reciprocated
                            targets); signals and score on the driver with
                            :mod:`graph.automation`; engagers are down-weighted
                            on Spark with the resulting factors
PageRank (and topic         weighted power iteration on DataFrames, networkx's
PageRank)                   semantics (dangling mass to the personalization
                            vector), until the L1 change is below
                            :data:`PAGERANK_TOL`
communities                 weighted label propagation (synchronous, ties to the
                            smallest label, at most :data:`LPA_MAX_ITER` rounds)
                            instead of Leiden; the coarse level is the same on
                            the community graph
bridging, boundary          Spark aggregations over the edges
levels, composite, order    :func:`graph.scoring.composite` and
                            :func:`graph.scoring.order_by_score` on the driver
==========================  ===================================================

Not computed: :data:`NOT_COMPUTED` (betweenness, k-core, HITS hub/authority) have
no scalable Spark form here. They are left out of the table; a preset that
weights them is renormalised over the remaining metrics and the snapshot
records which were dropped (``stats.omitted_metrics``, shown by ``scout explain``).
The default preset (``attention``/``status``) uses none of them.

GraphFrames: its PageRank and label propagation (GraphX) ignore edge weights,
which the ranking needs, and no GraphFrames build for Spark 4 is reachable from
the Maven repository this project installs from, so the iterations are written
with Spark DataFrames directly (see ``docs/scale.md``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graph import automation as auto
from graph import community, scoring
from graph.errors import ConfigError, ConvergenceError, EngineError, NotFoundError
from graph.event_parquet import PARQUET_COLUMNS, write_events_parquet
from graph.projection import reference_time
from graph.ranking import (
    MAX_TOPICS_PER_ACCOUNT,
    METRIC_COLUMNS,
    RankConfig,
    RankOutcome,
    RankResult,
    _profiles,
    _step,
    _window_days,
    leaderboard_table,
    time_span,
    window_duplicate_share,
)

#: Where Spark keeps its jar cache (ivy), scratch space and event staging.
SPARK_CACHE = Path(os.environ.get("SCOUT_SPARK_CACHE", "~/.cache/scout/spark")).expanduser()
DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "3g"
#: PageRank stops when the L1 change of the whole vector is below this. Looser
#: than the in-process 1e-10: each Spark iteration is a distributed join and a
#: checkpoint, and 1e-6 already fixes the top accounts' scores to about 1e-5
#: relative, far finer than the levels and the top-100 order need (measured in
#: tests/spark and bench/spark.py).
PAGERANK_TOL = 1e-6
PAGERANK_MAX_ITER = 300
#: Label propagation rounds (it usually settles in fewer).
LPA_MAX_ITER = 10
#: Metrics the Spark engine does not compute.
NOT_COMPUTED: tuple[str, ...] = ("authority", "hub", "betweenness", "core")
#: Metrics it computes (``topic_*`` only with topics).
COMPUTED_METRICS: tuple[str, ...] = tuple(m for m in METRIC_COLUMNS if m not in NOT_COMPUTED)

Progress = Callable[[str], None]


@dataclass(slots=True)
class SparkSettings:
    """How to reach Spark (the ``[spark]`` table of ``scout.toml``, or CLI options).

    Attributes
    ----------
    master : str
        ``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://…``.
    driver_memory : str
        ``spark.driver.memory`` (the driver holds one row per account).
    partitions : int, optional
        ``spark.sql.shuffle.partitions`` (default: 2 per local core, else 200).
    conf : dict
        Any other Spark configuration (``spark.executor.memory``, …).
    events : str, optional
        A Parquet folder of events (``scout export events --format parquet``)
        to rank instead of exporting the store's window first; any URI Spark
        reads (``hdfs://``, ``s3a://``…).
    staging_dir : str, optional
        Where the store's window is exported for Spark when ``events`` is not
        given (default a temporary folder; on a cluster, a path every executor
        sees, e.g. a shared mount).
    """

    master: str = DEFAULT_MASTER
    driver_memory: str = DEFAULT_DRIVER_MEMORY
    partitions: int | None = None
    conf: dict[str, str] = field(default_factory=dict)
    events: str | None = None
    staging_dir: str | None = None

    @classmethod
    def from_mapping(cls, m: Mapping | None) -> SparkSettings:
        """Settings from a ``[spark]`` table (unknown keys raise).

        Examples
        --------
        >>> SparkSettings.from_mapping({"master": "local[4]", "conf": {"a": 1}}).conf
        {'a': '1'}
        """
        m = dict(m or {})
        names = set(cls.__dataclass_fields__)
        unknown = set(m) - names
        if unknown:
            raise ConfigError(f"spark: unknown keys {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(sorted(names))})")
        if "conf" in m:
            m["conf"] = {str(k): str(v) for k, v in (m["conf"] or {}).items()}
        if m.get("partitions") is not None and int(m["partitions"]) < 1:
            raise ConfigError("spark.partitions must be >= 1")
        return cls(**m)

    def is_local(self) -> bool:
        """Whether Spark runs inside this machine (``local``, ``local[N]``, ``local[*]``)."""
        return self.master.startswith("local")

    def shuffle_partitions(self) -> int:
        """Partitions of every shuffle (joins, aggregations): 2 per local core, else 200."""
        if self.partitions:
            return int(self.partitions)
        if self.is_local():
            inner = self.master[6:-1] if self.master.startswith("local[") else "1"
            cores = (os.cpu_count() or 2) if inner in ("*", "") else int(inner.split(",")[0])
            return max(2 * cores, 2)
        return 200


def spark_session(settings: SparkSettings | None = None):
    """A Spark session for Scout (the running one if there is one).

    Raises
    ------
    EngineError
        PySpark is not installed (``pip install 'scout[spark]'``) or Spark cannot start.
    """
    settings = settings or SparkSettings()
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("the Spark engine needs PySpark: pip install 'scout[spark]' "
                          "(make venv installs it)") from None
    # Local executors run this interpreter, which has Scout and its dependencies.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for sub in ("ivy", "tmp"):
        (SPARK_CACHE / sub).mkdir(parents=True, exist_ok=True)
    conf = {
        "spark.app.name": "scout-rank",
        "spark.driver.memory": settings.driver_memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions()),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
        "spark.jars.ivy": str(SPARK_CACHE / "ivy"),
        "spark.local.dir": str(SPARK_CACHE / "tmp"),
        **settings.conf,
    }
    builder = SparkSession.builder.master(settings.master)
    for k, v in conf.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - py4j/JVM start-up errors of every kind
        raise EngineError(f"Spark did not start ({settings.master}): {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    if not settings.is_local():
        _ship_code(spark)
    return spark


def _ship_code(spark) -> None:
    """Send the ``graph`` package to the executors (they apply its event-weight rule)."""
    import zipfile

    root = Path(__file__).resolve().parent
    target = SPARK_CACHE / "tmp" / f"scout-graph-{uuid.uuid4().hex[:8]}.zip"
    with zipfile.ZipFile(target, "w") as z:
        for f in root.rglob("*.py"):
            z.write(f, Path("graph") / f.relative_to(root))
    spark.sparkContext.addPyFile(str(target))


def read_events(spark, path: str | Path):
    """The events of a Parquet folder (``scout export events --format parquet``) on Spark.

    Raises
    ------
    NotFoundError
        No Parquet files at ``path``.
    """
    try:
        df = spark.read.option("mergeSchema", "false").parquet(str(path))
    except Exception as exc:  # noqa: BLE001 - AnalysisException: path missing or no files
        raise NotFoundError(f"no events Parquet at {path}: {exc}") from None
    missing = [c for c in ("source", "target", "kind", "at") if c not in df.columns]
    if missing:
        raise ConfigError(f"{path}: not an events Parquet folder (missing {', '.join(missing)})")
    return df.select(*[c for c in PARQUET_COLUMNS if c in df.columns])


# ----------------------------------------------------------------------------- iterations
class _Scratch:
    """Materialises each iteration's vector and cuts its lineage and statistics.

    A checkpointed DataFrame keeps the size estimate of the plan that made it,
    and join estimates multiply: after a few dozen iterations Spark would spend
    minutes multiplying huge integers before each step. So each step is
    checkpointed (kept on the executors) and then re-wrapped as a plain DataFrame
    over the checkpointed rows, whose estimate is the default one. Where the JVM
    objects are not reachable (Spark Connect), each step is written to Parquet
    under ``root`` and read back instead.
    """

    def __init__(self, spark, root: str | Path):
        self.spark = spark
        self.root = str(root).rstrip("/")
        self.n = 0

    def keep(self, df):
        self.n += 1
        jss = getattr(self.spark, "_jsparkSession", None)
        if jss is not None and hasattr(df, "_jdf"):
            ck = df.localCheckpoint(eager=True)
            return type(ck)(jss.createDataFrame(ck._jdf.rdd(), ck._jdf.schema()), self.spark)
        path = f"{self.root}/step-{self.n:05d}"
        df.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)


def _pagerank(edges, ids, n: int, alpha: float, partitions: int, scratch: _Scratch,
              personalization=None, nstart=None, tol: float = PAGERANK_TOL,
              max_iter: int = PAGERANK_MAX_ITER):
    """Weighted PageRank by power iteration on DataFrames (networkx's semantics).

    Parameters
    ----------
    edges : DataFrame
        ``src, dst, w`` (int ids, w > 0, no self-loops, one row per pair).
    ids : DataFrame
        ``id`` of every node.
    n : int
        Number of nodes.
    scratch : _Scratch
        Where each iteration's vector is written.
    personalization : DataFrame, optional
        ``id, p`` (p summing to 1, missing = 0); teleport and dangling
        distribution. Default uniform.
    nstart : DataFrame, optional
        ``id, x`` starting vector summing to 1 (default uniform); the answer
        does not depend on it, the number of iterations does.

    Returns
    -------
    (DataFrame, int)
        ``id, x`` (not yet normalised) and the iterations run.

    Raises
    ------
    ConvergenceError
        Not converged after ``max_iter`` iterations.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    out_s = edges.groupBy("src").agg(F.sum("w").alias("s"))
    trans = (edges.join(out_s, "src").select("src", "dst", (F.col("w") / F.col("s")).alias("p"))
             .repartition(partitions, "src").persist(StorageLevel.MEMORY_AND_DISK))
    nodes = ids.join(out_s.select(F.col("src").alias("id"), F.lit(False).alias("has_out")),
                     "id", "left")
    nodes = nodes.select("id", F.col("has_out").isNull().alias("dangling"))
    if personalization is None:
        nodes = nodes.withColumn("pp", F.lit(1.0 / n))
    else:
        nodes = (nodes.join(personalization.select("id", F.col("p").alias("pp")), "id", "left")
                 .fillna(0.0, subset=["pp"]))
    if nstart is None:
        nodes = nodes.withColumn("x", F.lit(1.0 / n))
    else:
        nodes = (nodes.join(nstart.select("id", "x"), "id", "left")
                 .fillna(0.0, subset=["x"]))
    nodes = scratch.keep(nodes.repartition(partitions, "id"))
    x = nodes.select("id", "x")
    consts = nodes.select("id", "dangling", "pp")
    dangling_mass = float(nodes.agg(F.sum(F.when(F.col("dangling"), F.col("x"))
                                          .otherwise(0.0))).first()[0] or 0.0)
    try:
        for it in range(1, max_iter + 1):
            contrib = (trans.join(x, trans.src == x.id).groupBy("dst")
                       .agg(F.sum(F.col("p") * F.col("x")).alias("c")))
            xn = (consts.join(contrib, consts.id == contrib.dst, "left")
                  .join(x.select("id", F.col("x").alias("xo")), "id")
                  .select("id", "dangling",
                          (alpha * (F.coalesce(F.col("c"), F.lit(0.0)) + dangling_mass * F.col("pp"))
                           + (1.0 - alpha) * F.col("pp")).alias("x"), "xo"))
            # The previous vector appears twice in each plan: writing it out cuts the
            # lineage (cached plans double each step) and the size estimates.
            xn = scratch.keep(xn)
            row = xn.agg(F.sum(F.abs(F.col("x") - F.col("xo"))).alias("err"),
                         F.sum(F.when(F.col("dangling"), F.col("x")).otherwise(0.0))
                         .alias("dm")).first()
            x = xn.select("id", "x")
            dangling_mass = float(row["dm"] or 0.0)
            if float(row["err"] or 0.0) < tol:
                return x, it
    finally:
        trans.unpersist()
    raise ConvergenceError(f"PageRank did not converge in {max_iter} iterations on Spark")


def _label_propagation(sym, ids, scratch: _Scratch, max_iter: int = LPA_MAX_ITER):
    """Weighted label propagation: each node takes its neighbours' heaviest label.

    Parameters
    ----------
    sym : DataFrame
        ``a, b, w``: symmetric weighted edges (both directions present).
    ids : DataFrame
        ``id`` of every node (the starting label is the node's own id).
    scratch : _Scratch
        Where each round's labels are written.

    Returns
    -------
    (DataFrame, int)
        ``id, label`` and the rounds run. Ties go to the smallest label;
        isolated nodes keep their own. Each round updates half of the nodes
        (alternating, by a hash of the id), which stops the two-colour
        oscillation of fully synchronous propagation.
    """
    from pyspark.sql import functions as F

    labels = scratch.keep(ids.select("id", F.col("id").alias("label")))
    rounds = 0
    quiet = 0
    for rounds in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        votes = (sym.join(labels, sym.b == labels.id).groupBy("a", "label")
                 .agg(F.sum("w").alias("v")))
        best = (votes.groupBy("a")
                .agg(F.max(F.struct(F.col("v"), (-F.col("label")).alias("nl"))).alias("m"))
                .select(F.col("a").alias("id"), (-F.col("m.nl")).alias("new")))
        turn = (F.xxhash64(F.col("id")) % 2 == rounds % 2)
        new = F.when(turn & F.col("new").isNotNull(), F.col("new")).otherwise(F.col("label"))
        nxt = scratch.keep(labels.join(best, "id", "left")
                           .select("id", new.alias("label"), (new != F.col("label")).alias("chg")))
        changed = nxt.filter("chg").count()
        labels = nxt.select("id", "label")
        quiet = quiet + 1 if changed == 0 else 0
        if quiet == 2:  # both halves are stable
            break
    return labels, rounds


def _by_id(df, n: int, column: str, fill=0.0) -> np.ndarray:
    """One column of a small ``id, column`` DataFrame as a node-ordered array."""
    pdf = df.toPandas()
    out = np.full(n, fill, dtype=float if isinstance(fill, float) else np.int64)
    if len(pdf):
        out[pdf["id"].to_numpy(dtype=np.int64)] = pdf[column].to_numpy()
    return out


# ----------------------------------------------------------------------------- ranking
def rank_events_spark(spark, events, accounts: pd.DataFrame | None = None,
                      config: RankConfig | None = None, *,
                      texts: pd.DataFrame | None = None,
                      duplicate: Callable[[pd.Series], pd.Series] | None = None,
                      until_bound=None, partitions: int | None = None,
                      scratch_dir: str | None = None,
                      progress: Progress | None = None) -> RankResult:
    """Rank every account of the window's engagement graph, on Spark.

    Parameters
    ----------
    spark : SparkSession
    events : pyspark.sql.DataFrame
        Interactions with ``source, target, kind, at`` and optionally
        ``weight, topics, platform`` (e.g. :func:`read_events`).
    accounts : pandas.DataFrame, optional
        Profiles (:data:`graph.model.ACCOUNT_COLUMNS`), on the driver.
    config : RankConfig, optional
    texts : DataFrame, optional
        ``source, post_id, text`` for the duplicate-text signal.
    duplicate : callable, optional
        Instead of ``texts``: a function of the events per source (most active
        first) returning the duplicate-text share per account (e.g.
        :func:`graph.ranking.window_duplicate_share` of a store).
    until_bound : datetime, optional
        Upper bound on ``at`` when ``config.until`` is open (events dated
        later are ignored, as :func:`graph.ranking.rank_store` does).
    partitions : int, optional
        Shuffle partitions of the iterations (default the session's).
    scratch_dir : str, optional
        Where the iterations write their vectors (a folder every executor sees;
        default a temporary folder under :data:`SPARK_CACHE`, removed after).
    progress : callable, optional
        Called with the name of each step.

    Returns
    -------
    RankResult
        As :func:`graph.ranking.rank_events`, without :data:`NOT_COMPUTED`
        columns; ``stats`` adds ``engine``, ``omitted_metrics`` and the
        iteration counts.

    Raises
    ------
    NotFoundError
        No interactions in the window.
    ConfigError
        Every weighted metric is one Spark does not compute.
    """
    import shutil

    if scratch_dir is not None:
        return _rank_events_spark(spark, events, accounts, config, texts, duplicate, until_bound,
                                  partitions, scratch_dir, progress)
    (SPARK_CACHE / "tmp").mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="scout-iterations-", dir=SPARK_CACHE / "tmp")
    try:
        return _rank_events_spark(spark, events, accounts, config, texts, duplicate, until_bound,
                                  partitions, tmp, progress)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rank_events_spark(spark, events, accounts, config, texts, duplicate, until_bound,
                       partitions, scratch_dir, progress) -> RankResult:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    config = config or RankConfig()
    config.metric_weights()
    scratch = _Scratch(spark, scratch_dir)
    parts = int(partitions or spark.conf.get("spark.sql.shuffle.partitions"))
    timings: dict = {}
    tick: list = []
    _step(progress, timings, "selecting events", tick)
    ev = events
    if config.since is not None:
        ev = ev.filter(F.col("at") >= F.lit(pd.Timestamp(config.since).to_pydatetime()))
    upper = config.until if config.until is not None else until_bound
    if upper is not None:
        ev = ev.filter(F.col("at") < F.lit(pd.Timestamp(upper).to_pydatetime()))
    if config.kinds:
        ev = ev.filter(F.col("kind").isin(list(config.kinds)))
    if config.platforms:
        ev = ev.filter(F.col("platform").isin(list(config.platforms)))
    if "weight" not in ev.columns:
        ev = ev.withColumn("weight", F.lit(1.0))
    if "topics" not in ev.columns:
        ev = ev.withColumn("topics", F.array().cast("array<string>"))
    ev = ev.select("source", "target", "kind", "at", F.col("weight").cast("double"), "topics")
    b = ev.agg(F.count(F.lit(1)).alias("n"), F.unix_micros(F.min("at")).alias("lo"),
               F.unix_micros(F.max("at")).alias("hi")).first()
    if not b["n"]:
        raise NotFoundError("no interactions in the window and filters: nothing to rank")
    bounds = pd.DataFrame({"at": pd.to_datetime([b["lo"], b["hi"]], unit="us", utc=True)})
    span_days, timed = time_span(bounds, config)
    half_life = config.effective_half_life(span_days) if timed else None
    weights = config.metric_weights(timed=timed)
    reference = reference_time(bounds, config.until)
    window_days = _window_days(bounds, config, reference)
    omitted = [m for m in weights if m in NOT_COMPUTED]
    weights = {m: w for m, w in weights.items() if m not in NOT_COMPUTED}
    if not weights:
        raise ConfigError(f"the Spark engine does not compute {', '.join(omitted)}: "
                          "rank these weights with --engine local")

    _step(progress, timings, "weighing events", tick)
    kind_weights = dict(config.kind_weights)
    wanted = tuple(config.topics)

    def weigh(batches):
        # The in-process rules themselves, on each Arrow batch (one home per rule).
        from graph.model import normalize_topic
        from graph.projection import event_weights
        from graph.ranking import topic_mask

        for batch in batches:
            tup = pd.Series([tuple(t) if t is not None else () for t in batch["topics"]],
                            index=batch.index, dtype=object)
            codes, uniques = pd.factorize(tup)
            norm = [sorted({normalize_topic(t) for t in u if t}) for u in uniques]
            w = event_weights(batch, kind_weights=kind_weights, half_life_days=half_life,
                              reference=reference)
            yield pd.DataFrame({
                "source": batch["source"], "target": batch["target"], "w": w,
                "topics": [norm[c] if c >= 0 else [] for c in codes],
                "on_topic": topic_mask(tup, wanted) if wanted else np.zeros(len(batch), bool),
            })

    evw = ev.mapInPandas(weigh, "source string, target string, w double, "
                                "topics array<string>, on_topic boolean")
    evw = evw.persist(StorageLevel.MEMORY_AND_DISK)

    _step(progress, timings, "numbering accounts", tick)
    keys_pdf = (evw.select(F.col("source").alias("key"))
                .union(evw.select(F.col("target").alias("key"))).distinct().toPandas())
    keys = np.sort(keys_pdf["key"].to_numpy(dtype=object))
    n = len(keys)
    ids = spark.createDataFrame(pd.DataFrame({"key": keys, "id": np.arange(n, dtype=np.int64)}))
    ids = ids.repartition(parts, "key").persist(StorageLevel.MEMORY_AND_DISK)
    id_only = ids.select("id")

    def numbered(df, col, as_):
        return (df.join(ids.select(F.col("key").alias(col), F.col("id").alias(as_)), col)
                .drop(col))

    _step(progress, timings, "projecting the engagement graph", tick)
    pairs = (evw.filter((F.col("source") != F.col("target")) & (F.col("w") > 0))
             .groupBy("source", "target").agg(F.sum("w").alias("w")))
    edges0 = numbered(numbered(pairs, "source", "src"), "target", "dst")
    edges0 = edges0.select("src", "dst", "w").persist(StorageLevel.MEMORY_AND_DISK)
    events_out = _by_id(numbered(evw.groupBy("source").agg(F.count(F.lit(1)).alias("c")),
                                 "source", "id"), n, "c", 0)

    _step(progress, timings, "scoring likely automation", tick)
    targets = _by_id(edges0.groupBy(F.col("src").alias("id")).agg(F.count(F.lit(1)).alias("c")),
                     n, "c", 0)
    e1, e2 = edges0.alias("e1"), edges0.alias("e2")
    mutual = _by_id(e1.join(e2, (F.col("e1.src") == F.col("e2.dst"))
                            & (F.col("e1.dst") == F.col("e2.src")))
                    .groupBy(F.col("e1.src").alias("id")).agg(F.count(F.lit(1)).alias("c")),
                    n, "c", 0)
    prof = _profiles(keys, accounts)
    followers = pd.to_numeric(prof["followers"], errors="coerce").to_numpy(dtype=float)
    following = pd.to_numeric(prof["following"], errors="coerce").to_numpy(dtype=float)
    internal = prof["internal"].to_numpy(dtype=bool)
    counts = pd.Series(events_out, index=keys).sort_values(ascending=False, kind="stable")
    dup = np.zeros(n)
    if duplicate is not None:
        share = duplicate(counts)
    else:
        share = (auto.duplicate_text_share(texts) if texts is not None and len(texts)
                 else pd.Series(dtype=float))
    if len(share):
        pos = pd.Index(keys).get_indexer(share.index)
        ok = pos >= 0
        dup[pos[ok]] = share.to_numpy()[ok]
    created = pd.to_datetime(prof["created_at"], utc=True, errors="coerce")
    age_days = ((reference - created).dt.total_seconds() / 86400.0).to_numpy(dtype=float)
    sig = auto.automation_scores(None, events_out, window_days, followers=followers,
                                 following=following, age_days=age_days, duplicate=dup,
                                 one_way=auto.one_way_from_counts(targets, mutual))
    automation = sig["automation"].to_numpy()
    automation = np.where(auto.declared_automated(keys, accounts), 1.0, automation)
    factor = 1.0 - automation if config.downweight_automated else np.ones(n)

    _step(progress, timings, "degree and strength", tick)
    node_info = spark.createDataFrame(pd.DataFrame({
        "id": np.arange(n, dtype=np.int64), "factor": factor.astype(float),
        "internal": internal.astype(np.int64)}))
    node_info = node_info.repartition(parts, "id").persist(StorageLevel.MEMORY_AND_DISK)
    edges = (edges0.join(node_info.select(F.col("id").alias("src"), "factor"), "src")
             .select("src", "dst", (F.col("w") * F.col("factor")).alias("w"))
             .filter(F.col("w") > 0).persist(StorageLevel.MEMORY_AND_DISK))
    recv = edges.groupBy(F.col("dst").alias("id")).agg(F.sum("w").alias("s"),
                                                       F.count(F.lit(1)).alias("k")).toPandas()
    strength = np.zeros(n)
    engagers = np.zeros(n, dtype=np.int64)
    strength[recv["id"].to_numpy()] = recv["s"].to_numpy()
    engagers[recv["id"].to_numpy()] = recv["k"].to_numpy()
    out_strength = _by_id(edges.groupBy(F.col("src").alias("id")).agg(F.sum("w").alias("s")),
                          n, "s", 0.0)

    _step(progress, timings, "pagerank", tick)
    pr_df, pr_iter = _pagerank(edges, id_only, n, config.alpha, parts, scratch)
    pr = _by_id(pr_df, n, "x", 0.0)
    pr = pr / pr.sum()

    topic_pr = topic_strength = None
    topic_iter = 0
    if config.topics:
        _step(progress, timings, "topic-sensitive pagerank", tick)
        on = evw.filter(F.col("on_topic") & (F.col("source") != F.col("target")))
        on = numbered(numbered(on.select("source", "target", "w"), "source", "src"),
                      "target", "dst")
        on = on.join(node_info.select(F.col("id").alias("src"), "factor"), "src")
        topic_strength = _by_id(on.groupBy(F.col("dst").alias("id"))
                                .agg(F.sum(F.col("w") * F.col("factor")).alias("s")), n, "s", 0.0)
        person = (_by_id(on.groupBy(F.col("src").alias("id")).agg(F.sum("w").alias("s")),
                         n, "s", 0.0)
                  + _by_id(on.groupBy(F.col("dst").alias("id")).agg(F.sum("w").alias("s")),
                           n, "s", 0.0))
        if person.sum() > 0:
            nz = np.flatnonzero(person > 0)
            pers = spark.createDataFrame(pd.DataFrame({
                "id": nz.astype(np.int64), "p": person[nz] / person.sum()}))
            start = 0.5 * pr + 0.5 * person / person.sum()  # as the in-process ranking
            nstart = spark.createDataFrame(pd.DataFrame({
                "id": np.arange(n, dtype=np.int64), "x": start / start.sum()}))
            tpr_df, topic_iter = _pagerank(edges, id_only, n, config.alpha, parts, scratch,
                                           personalization=pers, nstart=nstart)
            topic_pr = _by_id(tpr_df, n, "x", 0.0)
            topic_pr = topic_pr / topic_pr.sum()
        else:
            topic_pr = np.zeros(n)

    _step(progress, timings, "communities", tick)
    sym = (edges.select(F.col("src").alias("a"), F.col("dst").alias("b"), "w")
           .union(edges.select(F.col("dst").alias("a"), F.col("src").alias("b"), "w"))
           .groupBy("a", "b").agg(F.sum("w").alias("w"))
           .repartition(parts, "a").persist(StorageLevel.MEMORY_AND_DISK))
    labels_df, lpa_rounds = _label_propagation(sym, id_only, scratch)
    raw = _by_id(labels_df, n, "label", 0)
    # The coarse level: the same propagation on the graph of communities.
    la = labels_df.select(F.col("id").alias("a"), F.col("label").alias("la"))
    lb = labels_df.select(F.col("id").alias("b"), F.col("label").alias("lb"))
    quotient = (sym.join(la, "a").join(lb, "b").filter(F.col("la") != F.col("lb"))
                .groupBy(F.col("la").alias("a"), F.col("lb").alias("b"))
                .agg(F.sum("w").alias("w")).persist(StorageLevel.MEMORY_AND_DISK))
    upper_df, _ = _label_propagation(quotient, labels_df.select(F.col("label").alias("id"))
                                     .distinct(), scratch)
    up = upper_df.toPandas()
    upper_map = pd.Series(up["label"].to_numpy(), index=up["id"].to_numpy())
    fine = community.relabel_by_size(raw)
    coarse = community.relabel_by_size(upper_map.reindex(raw).to_numpy(dtype=np.int64))
    sym.unpersist()
    quotient.unpersist()

    _step(progress, timings, "bridging", tick)
    groups = spark.createDataFrame(pd.DataFrame({
        "id": np.arange(n, dtype=np.int64), "g": fine.astype(np.int64),
        "i": internal.astype(np.int64)}))
    gs = groups.select(F.col("id").alias("src"), F.col("g").alias("gs"), F.col("i").alias("is_"))
    gd = groups.select(F.col("id").alias("dst"), F.col("g").alias("gd"), F.col("i").alias("id_"))
    cross = (edges.join(gs, "src").join(gd, "dst").groupBy(F.col("dst").alias("id"))
             .agg(F.sum(F.when(F.col("gs") != F.col("gd"), F.col("w")).otherwise(0.0)).alias("c"),
                  F.sum(F.when(F.col("is_") != F.col("id_"), F.col("w")).otherwise(0.0))
                  .alias("bc"))
             .toPandas())
    cross_c = np.zeros(n)
    cross_b = np.zeros(n)
    cross_c[cross["id"].to_numpy()] = cross["c"].to_numpy()
    cross_b[cross["id"].to_numpy()] = cross["bc"].to_numpy()
    bridging = np.divide(cross_c, strength, out=np.zeros(n), where=strength > 0)
    boundary = np.divide(cross_b, strength, out=np.zeros(n), where=strength > 0)
    # Modularity on A + Aᵀ (graph.community.modularity) from the per-node sums.
    total = strength.sum()
    if total > 0:
        k = int(fine.max()) + 1
        deg = np.bincount(fine, weights=strength + out_strength, minlength=k)
        modularity = float((strength - cross_c).sum() / total - ((deg / (2 * total)) ** 2).sum())
    else:
        modularity = 0.0

    _step(progress, timings, "topics per account", tick)
    tp = (evw.filter(F.size("topics") > 0)
          .select(F.explode(F.array("source", "target")).alias("key"), "topics")
          .select("key", F.explode("topics").alias("t")).groupBy("key", "t").count())
    tops = (tp.groupBy("key")
            .agg(F.sort_array(F.collect_list(F.struct((-F.col("count")).alias("nc"), "t")))
                 .alias("l"))
            .select("key", F.concat_ws(";", F.transform(F.slice("l", 1, MAX_TOPICS_PER_ACCOUNT),
                                                        lambda s: s["t"])).alias("topics"))
            .toPandas())
    topics_col = (pd.Series(tops["topics"].to_numpy(dtype=object), index=tops["key"])
                  .reindex(keys).fillna("").to_numpy(dtype=object))
    for df in (evw, ids, edges0, edges, node_info):
        df.unpersist()

    _step(progress, timings, "composite score", tick)
    activity = events_out
    metrics = pd.DataFrame({
        "engagers": engagers,
        "in_strength": strength,
        "pagerank": pr,
        "topic_pagerank": topic_pr if topic_pr is not None else np.full(n, np.nan),
        "topic_in_strength": topic_strength if topic_strength is not None else np.full(n, np.nan),
        "bridging": bridging,
        "boundary_bridging": boundary,
        "reach": np.nan_to_num(followers, nan=0.0),
        "activity": activity,
        "profile_posts": pd.to_numeric(prof["posts"], errors="coerce").fillna(0).to_numpy(),
        "engagement_per_post": strength / np.maximum(activity, 1),
        "automation": automation,
    })
    table, comp = leaderboard_table(keys, metrics, weights, config, prof, internal, fine, coarse,
                                    automation, topics_col)
    _step(progress, timings, "done", tick)
    cpu_timings = {k: c for k, (_, c) in timings.items()}
    timings = {k: w for k, (w, _) in timings.items()}
    stats = {
        "events": int(b["n"]),
        "accounts": int(n),
        "edges": int(engagers.sum()),
        "communities": int(fine.max() + 1) if n else 0,
        "modularity": round(modularity, 6),
        "reference": reference.isoformat() if reference is not None else None,
        "automated": int((automation >= auto.AUTOMATED_THRESHOLD).sum()),
        "timed": bool(timed),
        "half_life_days": half_life,
        "preset": (scoring.auto_preset(timed) if config.preset == scoring.AUTO_PRESET
                   else config.preset),
        "engine": "spark",
        "spark_master": spark.sparkContext.master,
        "not_computed": list(NOT_COMPUTED),
        "omitted_metrics": omitted,
        "pagerank_iterations": int(pr_iter),
        "topic_pagerank_iterations": int(topic_iter),
        "label_propagation_rounds": int(lpa_rounds),
    }
    return RankResult(table=table, config=config, weights=comp.weights, timings=timings,
                      stats=stats, cpu_timings=cpu_timings)


def rank_store_spark(store, config: RankConfig | None = None,
                     settings: SparkSettings | None = None, *, spark=None,
                     progress: Progress | None = None, save: bool = True) -> RankOutcome:
    """Rank a store's window on Spark and save the snapshot and run through the store.

    Parameters
    ----------
    store : graph.store.GraphStore
        Read through ``accounts`` and ``interactions`` (the window, exported to
        Parquet unless ``settings.events`` names a Parquet folder already, and
        the texts of the most active accounts); written through
        ``save_snapshot`` and ``save_run``.
    config : RankConfig, optional
    settings : SparkSettings, optional
    spark : SparkSession, optional
        A running session (default: :func:`spark_session` of ``settings``).
    progress : callable, optional
    save : bool
        ``False`` ranks without storing anything.

    Returns
    -------
    graph.ranking.RankOutcome

    Raises
    ------
    NotFoundError
        No interactions in the window.
    EngineError
        Spark failed (the run is recorded as failed).
    """
    from graph.model import FUTURE_SLACK, utcnow
    from graph.runs import new_run, recorded_run

    config = config or RankConfig()
    settings = settings or SparkSettings()
    previous = store.load_snapshot() if save else None
    run = new_run("rank", kind="rank", run_id="rank-" + uuid.uuid4().hex[:12])
    until = config.until if config.until is not None else utcnow() + FUTURE_SLACK
    with recorded_run(store, run, save=save):
        if settings.staging_dir:
            Path(settings.staging_dir).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.staging_dir, prefix="scout-events-") as tmp:
            path = settings.events
            if path is None:
                if progress:
                    progress("exporting the window's events to Parquet")
                path = str(Path(tmp) / "events")
                export = write_events_parquet(store, path, since=config.since, until=until,
                                              kinds=list(config.kinds) or None,
                                              platforms=list(config.platforms) or None)
                if export.rows == 0:
                    raise NotFoundError("no interactions in the window and filters: nothing "
                                        "to rank (no snapshot saved)")
            if progress:
                progress("starting Spark")
            session = spark if spark is not None else spark_session(settings)
            if progress:
                progress("reading accounts")
            accounts = store.accounts()

            def duplicate(counts: pd.Series) -> pd.Series:
                return window_duplicate_share(store, config, until, counts)

            t0 = time.perf_counter()
            try:
                result = rank_events_spark(session, read_events(session, path), accounts, config,
                                           duplicate=duplicate, until_bound=until,
                                           partitions=settings.partitions,
                                           scratch_dir=str(Path(tmp) / "iterations"),
                                           progress=progress)
            except (NotFoundError, ConfigError, ConvergenceError):
                raise
            except Exception as exc:  # noqa: BLE001 - Py4J / Spark job failures of every kind
                if type(exc).__module__.startswith(("pyspark", "py4j")):
                    raise EngineError(f"the Spark ranking failed: {exc}") from exc
                raise
            result.stats["spark_seconds"] = round(time.perf_counter() - t0, 3)
        snapshot = None
        if save:
            if progress:
                progress("saving snapshot")
            snapshot = store.save_snapshot(result.snapshot_config(), result.table)
            run.read = int(result.stats["events"])
            run.summary.update({"snapshot": snapshot.id, **result.stats})
    return RankOutcome(result=result, snapshot=snapshot, previous=previous, run=run)
