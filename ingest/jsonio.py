"""JSON encoding and decoding: orjson when installed (much faster), else the standard library.

Both raise ``ValueError`` subclasses on bad input, which is all callers rely on.
"""

from __future__ import annotations

import json
from typing import Any

try:  # pragma: no cover - depends on the environment
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

HAVE_ORJSON = _orjson is not None


def loads(data: bytes | str) -> Any:
    """Decode one JSON value.

    Raises
    ------
    ValueError
        If ``data`` is not JSON (or not UTF-8).
    """
    if _orjson is not None:
        return _orjson.loads(data)
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def dumps_line(obj: Any) -> bytes:
    """Encode ``obj`` as one line of UTF-8 JSON followed by a newline."""
    if _orjson is not None:
        return _orjson.dumps(obj, option=_orjson.OPT_APPEND_NEWLINE)
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
