"""Conversions between store rows and the DataFrames of the store interface.

Both stores return the same frames with the same dtypes; these functions are
where that is decided.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
import pandas as pd

from graph.errors import InputError
from graph.model import ACCOUNT_COLUMNS, INTERACTION_COLUMNS, MAX_COUNT, Run, utcnow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(value: datetime | None) -> int | None:
    """Milliseconds since the epoch (naive datetimes are UTC), rounded down.

    Examples
    --------
    >>> to_ms(datetime(1970, 1, 1, 0, 0, 1, 999, tzinfo=UTC)), to_ms(None)
    (1000, None)
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # Integer arithmetic: float seconds times 1000 lose a millisecond now and then
    # (….001 s is ….000999… as a float).
    return (value - _EPOCH) // _MS


def to_ms_list(values: pd.Series) -> list[int | None]:
    """:func:`to_ms` of each value of a column of times (``None``/NaT: missing), column-wise.

    Examples
    --------
    >>> to_ms_list(pd.Series([datetime(1970, 1, 1, 0, 0, 2, tzinfo=UTC), None]))
    [2000, None]
    """
    at = pd.to_datetime(values, utc=True)  # naive values are UTC, as for to_ms
    ms = ((at - pd.Timestamp(_EPOCH)) // pd.Timedelta(_MS)).astype("Int64")
    return ms.astype(object).where(ms.notna(), None).tolist()


def from_ms(ms: int | None) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)




def new_snapshot_id() -> tuple[str, datetime]:
    """A sortable, unique snapshot id and its creation time."""
    created = utcnow()
    return created.strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z-" + secrets.token_hex(3), created


def snapshot_rows(snapshot_id: str, table: pd.DataFrame) -> list[tuple]:
    """``(snapshot_id, account, rank, score, metrics_json)`` for each row of a ranking table."""
    return [row for rows in snapshot_row_chunks(snapshot_id, table, max(len(table), 1))
            for row in rows]


def snapshot_row_chunks(snapshot_id: str, table: pd.DataFrame,
                        chunk_rows: int = 20_000) -> Iterator[list[tuple]]:
    """:func:`snapshot_rows` of ``table``, ``chunk_rows`` at a time, in the table's order.

    A store can write one chunk while the next is encoded; the rows are the same
    as :func:`snapshot_rows` (each row's JSON depends on that row only).

    Raises
    ------
    ValueError
        ``table`` lacks ``account``, ``rank`` or ``score``.
    """
    missing = {"account", "rank", "score"} - set(table.columns)
    if missing:
        raise ValueError(f"snapshot table lacks columns: {', '.join(sorted(missing))}")
    metric_cols = [c for c in table.columns if c not in ("account", "rank", "score")]
    for lo in range(0, len(table), chunk_rows):
        part = table.iloc[lo:lo + chunk_rows]
        yield list(
            zip(
                [snapshot_id] * len(part),
                part["account"].astype(str).tolist(),
                part["rank"].astype(int).tolist(),
                part["score"].astype(float).tolist(),
                _metrics_json(part[metric_cols]),
                strict=True,
            )
        )


def _metrics_json(metrics: pd.DataFrame) -> list[str]:
    """One JSON object per row, encoded by pandas' C writer (≈10x ``json.dumps`` per row)."""
    if metrics.empty:
        return ["{}"] * len(metrics)
    plain = metrics.copy()
    for col in plain.columns:
        if plain[col].dtype == object:
            # Tuples/lists/sets/timestamps inside object columns: make them JSON-native.
            plain[col] = plain[col].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else _json_default(v)
            )
    text = plain.reset_index(drop=True).to_json(
        orient="records", date_format="iso", double_precision=15, force_ascii=False
    )
    # "[{…},{…}]" cut at the record boundaries: exact when "},{" occurs only there
    # (once per boundary), which one part per record proves (the JSON writer
    # escapes control characters, so \x1e appears nowhere else; if it did, there
    # would be too many parts). pandas' lines=True does the same cut character by
    # character, at 5x the cost.
    records = text[1:-1].replace("},{", "}\x1e{").split("\x1e")
    if len(records) == len(plain):
        return records
    lines = plain.reset_index(drop=True).to_json(
        orient="records", lines=True, date_format="iso", double_precision=15, force_ascii=False
    )
    return lines.rstrip("\n").split("\n")


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (tuple, set, np.ndarray)):
        return list(value)
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)


def snapshot_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """Rebuild a ranking table from ``(account, rank, score, metrics_json)`` rows."""
    if not len(rows):
        return pd.DataFrame(rows, columns=["account", "rank", "score", "metrics"])[
            ["account", "rank", "score"]]
    account, rank, score, metrics_json = zip(*rows, strict=True)
    base = pd.DataFrame({"account": pd.Series(account, dtype="str"), "rank": rank, "score": score})
    metrics = _arrow_metrics(metrics_json)
    if metrics is None:
        # One parse of one array (orjson: ~3x the standard library) is far cheaper
        # than a json.loads per row; the texts are joined from the rows.
        metrics = pd.DataFrame.from_records(orjson.loads("[" + ",".join(metrics_json) + "]"))
    metrics.index = base.index
    out = pd.concat([base, metrics], axis=1)
    out["rank"] = out["rank"].astype("int64")
    out["score"] = out["score"].astype("float64")
    return out


def _arrow_metrics(metrics_json: Sequence[str]) -> pd.DataFrame | None:
    """The metrics objects as columns, parsed by Arrow's JSON reader (≈4x faster).

    Arrow parses in C++ on its threads, straight into columns. Only plain
    columns are taken (numbers, booleans and text; gaps only in decimal and
    text columns), which come out exactly as ``DataFrame.from_records`` makes
    them from the parsed objects; ``None`` (use that) for anything else: lists
    or objects inside, integers or booleans with gaps, numbers Arrow cannot
    hold, or no keys at all.
    """
    import pyarrow as pa
    import pyarrow.json as pa_json

    try:
        table = pa_json.read_json(pa.py_buffer("\n".join(metrics_json).encode()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    plain = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_string,
             pa.types.is_large_string)
    if (table.num_rows != len(metrics_json) or table.num_columns == 0
            or not all(any(is_(f.type) for is_ in plain) for f in table.schema)
            or any(table.column(i).null_count for i in range(table.num_columns)
                   if not (pa.types.is_floating(table.schema.field(i).type)
                           or pa.types.is_string(table.schema.field(i).type)))):
        return None
    return table.to_pandas()


def accounts_frame(rows: Sequence[tuple] | pd.DataFrame) -> pd.DataFrame:
    """Accounts with their documented dtypes, from rows or a raw frame."""
    if isinstance(rows, pd.DataFrame):
        df = rows[list(ACCOUNT_COLUMNS)].copy()
    else:
        df = pd.DataFrame(rows, columns=list(ACCOUNT_COLUMNS))
    return normalize_accounts_frame(df)


def normalize_accounts_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Give an accounts frame its documented dtypes (shared by both stores)."""
    for col in ("followers", "following", "posts"):
        df[col] = counts_column(df[col])
    df["created_at"] = pd.to_datetime(
        pd.to_numeric(df["created_at"], errors="coerce"), unit="ms", utc=True
    )
    df["verified"] = _optional_bools(df["verified"])
    df["internal"] = df["internal"].fillna(0).astype(bool)
    df["crm_status"] = df["crm_status"].fillna("none")
    df["tags"] = _tags_column(df["tags"])
    return df


def _optional_bools(col: pd.Series) -> pd.Series:
    """``True``/``False``/``None`` objects from 1/0/missing (or booleans)."""
    out = np.full(len(col), None, dtype=object)
    if col.dtype == object:  # booleans, numbers and None mixed (another store's rows)
        known = col.notna().to_numpy(dtype=bool)
        out[known] = [bool(v) for v in col[known]]
    else:
        num = pd.to_numeric(col, errors="coerce")
        known = num.notna().to_numpy(dtype=bool)
        out[known] = (num[known] != 0).tolist()
    return pd.Series(out, index=col.index, dtype=object)


def _tags_column(col: pd.Series) -> pd.Series:
    """``tags`` cells → tuples; JSON text is parsed once per distinct value (most are ``[]``)."""
    if not pd.api.types.is_string_dtype(col) or col.isna().any():
        return col.map(_tags_reader())
    codes, uniques = pd.factorize(col)
    parsed = np.empty(len(uniques), dtype=object)
    for i, u in enumerate(uniques):  # filled one by one: np.array() would make a 2-D array
        parsed[i] = tuple(json.loads(u))
    return pd.Series(parsed[codes], index=col.index, dtype=object)


def _tags_reader():
    """``tags`` cell → tuple; JSON text is parsed once per distinct value (most are ``[]``)."""
    parsed: dict[str, tuple] = {}

    def read(t) -> tuple:
        if isinstance(t, str):
            got = parsed.get(t)
            if got is None:
                got = parsed[t] = tuple(json.loads(t))
            return got
        return tuple(t or ())

    return read


def counts_column(col: pd.Series) -> pd.Series:
    """Counts as ``Int64``, whatever a store returned.

    pandas reads a column of Python ints with gaps as float64, which rounds counts
    near 2**63 up past the largest int64: those are clamped to it (the data model
    refuses larger counts, see :data:`graph.model.MAX_COUNT`).
    """
    num = pd.to_numeric(col, errors="coerce")
    if num.dtype.kind == "f":
        num = num.clip(lower=-float(MAX_COUNT), upper=float(MAX_COUNT))
        big = num.abs() >= 2.0**63
        if big.any():
            out = num.where(~big, 0).astype("Int64")
            out[big & (num > 0)] = MAX_COUNT
            out[big & (num < 0)] = -MAX_COUNT
            return out
    return num.astype("Int64")


def interactions_frame(rows: Sequence[tuple] | dict[str, list] | pd.DataFrame) -> pd.DataFrame:
    """Interactions with their documented dtypes, from rows, column lists or a raw frame."""
    if isinstance(rows, pd.DataFrame):  # may hold only some of the columns
        df = rows[[c for c in INTERACTION_COLUMNS if c in rows.columns]]
    else:
        df = pd.DataFrame(rows, columns=list(INTERACTION_COLUMNS))
    if "at" in df:
        df["at"] = pd.to_datetime(df["at"].astype("int64"), unit="ms", utc=True)
    if "topics" in df:
        df["topics"] = split_topics(df["topics"])
    if "weight" in df:
        df["weight"] = df["weight"].astype("float64")
    return df


def interaction_columns(columns: Sequence[str] | None) -> list[str]:
    """The interaction columns a read asked for (all by default), checked.

    Raises
    ------
    InputError
        A name that is not one of :data:`graph.model.INTERACTION_COLUMNS`.

    Examples
    --------
    >>> interaction_columns(["source", "text"])
    ['source', 'text']
    """
    if columns is None:
        return list(INTERACTION_COLUMNS)
    wanted = list(columns)
    unknown = [c for c in wanted if c not in INTERACTION_COLUMNS]
    if unknown or not wanted:
        raise InputError(f"unknown interaction column(s): {', '.join(map(str, unknown)) or '(none)'}")
    return wanted


def split_topics(col: pd.Series) -> pd.Series:
    """``;a;b;`` strings to tuples, vectorised over the distinct values (few of them)."""
    codes, uniques = pd.factorize(col.fillna(""), sort=False)
    # Filled one by one: np.array() would turn equal-length tuples into a 2-D array.
    parsed = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        parsed[i] = tuple(t for t in u.split(";") if t)
    parsed[-1] = ()
    return pd.Series(parsed[codes], index=col.index, dtype=object)


def snapshots_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["id", "created_at", "accounts", "config"])
    df["created_at"] = pd.to_datetime(df["created_at"].astype("int64"), unit="ms", utc=True)
    df["config"] = df["config"].map(json.loads)
    return df


def members_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(
        rows,
        columns=[
            "account", "platform", "handle", "name", "followers", "internal", "crm_status",
            "note", "owner", "status", "added_at",
        ],
    )
    df["followers"] = counts_column(df["followers"])
    df["internal"] = df["internal"].fillna(0).astype(bool)
    df["added_at"] = pd.to_datetime(df["added_at"].astype("int64"), unit="ms", utc=True)
    return df


def run_from_row(r: tuple) -> Run:
    return Run(
        id=r[0],
        kind=r[1],
        source=r[2],
        started_at=from_ms(r[3]),
        finished_at=from_ms(r[4]),
        status=r[5],
        read=r[6],
        inserted=r[7],
        duplicates=r[8],
        rejected=r[9],
        errors=json.loads(r[10]),
        cursor=r[11],
        summary=json.loads(r[12]),
    )


def shortlist_name(name: str) -> str:
    """Validate and tidy a shortlist name (blanks folded, 1 to 100 characters)."""
    clean = " ".join(str(name).split())
    if not clean or len(clean) > 100:
        raise InputError("a shortlist name needs 1 to 100 characters")
    return clean


#: Columns of the storage form of interactions (see :func:`event_table`).
EVENT_TABLE_COLUMNS = (
    "platform", "post_id", "kind", "source", "target", "at", "text", "topics", "lang",
    "weight", "key",
)


def event_table(interactions, with_key: bool = True) -> pd.DataFrame:
    """Interactions in storage form, validated and without repeated identities.

    Parameters
    ----------
    interactions : sequence of Interaction, or DataFrame
        Records (already validated by their constructor) or a frame with at least
        ``platform, post_id, kind, source, target, at`` and optionally ``text,
        topics, lang, weight``. A frame is validated here, column by column, which
        is much cheaper than building one ``Interaction`` per row.

    with_key : bool
        Add the ``key`` column and drop repeated identities. A store whose
        insert ignores a repeated identity itself (SQLite's ``INSERT OR IGNORE``,
        which keeps the first row too) can skip that work.

    Returns
    -------
    pandas.DataFrame
        :data:`EVENT_TABLE_COLUMNS`: ``at`` in epoch milliseconds, ``topics`` as
        ``;a;b;`` text, ``key`` the identity ``platform|post_id|kind|target``.
        The first of several rows with one identity is kept. Without
        ``with_key``, the columns but ``key`` and every row.

    Raises
    ------
    InputError
        A frame with a missing column or an invalid value (the message names it).
    """
    if isinstance(interactions, pd.DataFrame):
        df = _validated_event_frame(interactions)
    else:
        items = list(interactions)
        df = pd.DataFrame(
            {
                "platform": [e.platform for e in items],
                "post_id": [e.post_id for e in items],
                "kind": [e.kind for e in items],
                "source": [e.source for e in items],
                "target": [e.target for e in items],
                "at": [to_ms(e.at) for e in items],
                "text": [e.text for e in items],
                "topics": [";" + ";".join(e.topics) + ";" if e.topics else "" for e in items],
                "lang": [e.lang for e in items],
                "weight": [e.weight for e in items],
            },
            columns=list(EVENT_TABLE_COLUMNS[:-1]),
        )
        df["at"] = df["at"].astype("int64")
        df["weight"] = df["weight"].astype("float64")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_TABLE_COLUMNS})
    if not with_key:
        return df
    df["key"] = df["platform"] + "|" + df["post_id"] + "|" + df["kind"] + "|" + df["target"]
    return df.drop_duplicates("key", keep="first").reset_index(drop=True)


def _times(col: pd.Series) -> pd.Series:
    """UTC times from datetimes or text; text in mixed ISO 8601 forms is fine."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return pd.to_datetime(col, utc=True)
    at = pd.to_datetime(col, utc=True, errors="coerce", format="ISO8601")
    rest = at.isna() & col.notna()
    if rest.any():  # other spellings, one by one (slow, so only for those rows)
        at[rest] = pd.to_datetime(col[rest], utc=True, errors="coerce", format="mixed")
    return at


def _account_keys(col: pd.Series, what: str) -> pd.Series:
    """``col`` as text after checking every distinct value looks like ``platform:id``."""
    codes, uniques = pd.factorize(col, sort=False)
    if (codes < 0).any():
        raise InputError(f"missing {what}")
    text = pd.Index(uniques, dtype=object).astype(str)
    bad = ~text.str.contains(":", regex=False)
    if bad.any():
        raise InputError(f"invalid {what} {uniques[bad.argmax()]!r} (expected platform:id)")
    return col if pd.api.types.is_string_dtype(col) else col.astype(str)


def _map_unique(col: pd.Series, fn, what: str) -> pd.Series:
    """Apply a validating normaliser once per distinct value."""
    codes, uniques = pd.factorize(col, sort=False)
    out = []
    for u in uniques:
        try:
            out.append(fn(u))
        except (ValueError, TypeError) as exc:
            raise InputError(f"invalid {what} {u!r}: {exc}") from None
    if (codes < 0).any():
        raise InputError(f"missing {what}")
    return pd.Series(np.asarray(out, dtype=object)[codes], index=col.index, dtype=object)


def _validated_event_frame(frame: pd.DataFrame) -> pd.DataFrame:
    from graph.model import (
        MAX_ID_LENGTH,
        SNIPPET_LENGTH,
        WIDEST_EARLIEST,
        WIDEST_LATEST,
        normalize_kind,
        normalize_platform,
        normalize_topic,
    )

    missing = {"platform", "post_id", "kind", "source", "target", "at"} - set(frame.columns)
    if missing:
        raise InputError(f"interaction frame lacks columns: {', '.join(sorted(missing))}")
    n = len(frame)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["platform"] = _map_unique(frame["platform"].reset_index(drop=True), normalize_platform, "platform")
    post = frame["post_id"].reset_index(drop=True)
    if post.isna().any():
        raise InputError("missing post_id")
    post = post.astype(str).str.strip()
    if (post == "").any():
        raise InputError("empty post_id")
    out["post_id"] = post
    out["kind"] = _map_unique(frame["kind"].reset_index(drop=True), normalize_kind, "kind")
    for col in ("source", "target"):
        out[col] = _account_keys(frame[col].reset_index(drop=True), f"{col} account key")
    at = _times(frame["at"].reset_index(drop=True))
    if at.isna().any():
        raise InputError("missing or invalid time in column 'at'")
    # The store's last line of defence (ingest jobs screen each record before):
    # a frame with a time or id the data model refuses is refused whole.
    lo, hi = pd.Timestamp(WIDEST_EARLIEST), pd.Timestamp(WIDEST_LATEST)
    outside = (at < lo) | (at > hi)
    if outside.any():
        raise InputError(f"time {at[outside].iloc[0]} outside {lo.date()} .. {hi.date()}")
    for col in ("post_id", "source", "target"):
        too_long = out[col].str.len() > MAX_ID_LENGTH + 33  # + "platform:" of keys
        if too_long.any():
            raise InputError(f"{col} longer than {MAX_ID_LENGTH} characters")
    out["at"] = at.dt.as_unit("ms").astype("int64")
    if "text" in frame:
        text = frame["text"].reset_index(drop=True)
        out["text"] = text.where(text.isna(), text.astype(str).str.slice(0, SNIPPET_LENGTH))
        out["text"] = out["text"].astype(object).where(out["text"].notna(), None)
    else:
        out["text"] = None
    if "topics" in frame:
        def topics_text(value) -> str:
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return ""
            items = value.split(";") if isinstance(value, str) else list(value)
            clean = list(dict.fromkeys(t for t in (normalize_topic(i) for i in items) if t))
            return ";" + ";".join(clean) + ";" if clean else ""

        topics = frame["topics"].reset_index(drop=True)
        # Lists cannot be factorized; only an object column can hold them. The usual
        # all-text column is recognised in C (infer_dtype) before any per-row look.
        if (topics.dtype == object and pd.api.types.infer_dtype(topics, skipna=True) not in ("string", "empty")
                and any(isinstance(v, list) for v in topics)):
            topics = topics.map(lambda v: tuple(v) if isinstance(v, list) else v)
        out["topics"] = _map_unique(topics.fillna(""), topics_text, "topics")
    else:
        out["topics"] = ""
    out["lang"] = (
        frame["lang"].reset_index(drop=True).astype(object).where(frame["lang"].notna().to_numpy(), None)
        if "lang" in frame
        else None
    )
    if "weight" in frame:
        weight = pd.to_numeric(frame["weight"].reset_index(drop=True), errors="coerce").fillna(1.0)
        if (weight < 0).any():
            raise InputError("weights must be non-negative")
        out["weight"] = weight.astype("float64")
    else:
        out["weight"] = 1.0
    return out



def bare_accounts(events: pd.DataFrame, named: set[str]) -> list[tuple[str, str, str]]:
    """``(key, platform, platform_id)`` of the accounts events name that are not in ``named``."""
    from graph.model import split_key

    keys = pd.unique(
        np.concatenate([events["source"].to_numpy(dtype=object), events["target"].to_numpy(dtype=object)])
    )
    return [(k, *split_key(k)) for k in keys.tolist() if k not in named]
