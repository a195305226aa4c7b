"""How a handle or id written in a file becomes an account identity.

The rule (shared by every CSV reader):

* on ``x``, a value of digits only is a numeric user id (``x:2244994945``) and
  anything else a username, stored as ``x:@username`` lower-cased — the same key
  the X parser gives a mention it cannot resolve to an id (see :mod:`ingest.x_parse`);
  write ``@123`` for a username made of digits;
* on every other platform the platform id is the lower-cased handle
  (``generic:alice``), as :mod:`graph.model` prescribes.
"""

from __future__ import annotations

from graph.model import normalize_handle


def account_identity(platform: str, value: str) -> tuple[str, str | None]:
    """The ``(platform_id, handle)`` of an account named ``value`` on ``platform``.

    Parameters
    ----------
    platform : str
        A normalised platform name.
    value : str
        A handle (with or without ``@``) or, on ``x``, a numeric id.

    Returns
    -------
    tuple
        The platform id, and the handle as written (``None`` for a bare X id).

    Raises
    ------
    ValueError
        If ``value`` is blank.

    Examples
    --------
    >>> account_identity("generic", "@Alice")
    ('alice', 'Alice')
    >>> account_identity("x", "12"), account_identity("x", "@Jack")
    (('12', None), ('@jack', 'Jack'))
    """
    raw = str(value).strip()
    handle = normalize_handle(raw)
    if not handle:
        raise ValueError("empty handle")
    if platform == "x":
        if raw.isdigit():
            return raw, None
        return "@" + handle.lower(), handle
    return handle.lower(), handle


def account_identities(platforms, values) -> tuple:
    """:func:`account_identity` of many ``(platform, value)`` pairs, column-wise.

    The rule stays in :func:`account_identity`: it is applied once per distinct
    pair (handles repeat a lot in interaction data) and the answers are spread
    back over the rows.

    Parameters
    ----------
    platforms : array-like or pandas.Series of str
        Normalised platform names, one per value.
    values : array-like or pandas.Series of str
        Handles or ids as written.

    Returns
    -------
    tuple of numpy.ndarray
        ``(platform_id, handle, error)`` object arrays: ``handle`` is ``None`` for
        a bare X id; ``error`` is ``""`` for a good value, else why it is refused
        (``platform_id`` and ``handle`` are then ``None``).

    Examples
    --------
    >>> ids, handles, errors = account_identities(["x", "x", "generic"], ["12", "@Jack", " "])
    >>> ids.tolist(), handles.tolist(), errors.tolist()
    (['12', '@jack', None], [None, 'Jack', None], ['', '', 'empty handle'])
    """
    import numpy as np
    import pandas as pd

    plat = platforms if isinstance(platforms, pd.Series) else pd.Series(np.asarray(platforms, dtype=object))
    vals = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    plat = plat.reset_index(drop=True).astype("str")
    vals = vals.reset_index(drop=True).astype("str")
    n = len(vals)
    ids = np.empty(n, dtype=object)
    handles = np.empty(n, dtype=object)
    errors = np.full(n, "", dtype=object)
    # Printable ASCII (nearly every value) follows the rule with string kernels:
    # clean_text leaves such a value alone, so the handle is the value without
    # blanks and a leading "@". Other values go through account_identity itself.
    raw = vals.str.strip()
    plain = vals.str.fullmatch(r"[ -~]*").to_numpy(dtype=bool)
    handle = raw.str.lstrip("@").str.strip()
    lower = handle.str.lower()
    is_x = plat.eq("x").to_numpy(dtype=bool)
    digits = raw.str.fullmatch(r"[0-9]+").to_numpy(dtype=bool)
    empty = handle.eq("").to_numpy(dtype=bool)
    pid = np.where(is_x & ~digits, ("@" + lower).to_numpy(dtype=object), lower.to_numpy(dtype=object))
    pid = np.where(is_x & digits, raw.to_numpy(dtype=object), pid)
    hd = np.where(is_x & digits, None, handle.to_numpy(dtype=object))
    ok = plain & ~empty
    ids[ok], handles[ok] = pid[ok], hd[ok]
    errors[plain & empty] = "empty handle"
    rest = np.flatnonzero(~plain)
    if len(rest):
        for i, p, v in zip(rest.tolist(), plat.iloc[rest].tolist(), vals.iloc[rest].tolist(), strict=True):
            try:
                ids[i], handles[i] = account_identity(p, v)
            except ValueError as exc:
                errors[i] = str(exc)
    return ids, handles, errors
