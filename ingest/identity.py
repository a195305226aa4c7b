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
    platforms : array-like of str
        Normalised platform names, one per value.
    values : array-like of str
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

    plat = np.asarray(platforms, dtype=object)
    vals = np.asarray(values, dtype=object)
    ids = np.empty(len(vals), dtype=object)
    handles = np.empty(len(vals), dtype=object)
    errors = np.full(len(vals), "", dtype=object)
    # Few platforms, many values: one factorisation of the values per platform.
    plat_codes, plat_names = pd.factorize(plat)
    for pc, p in enumerate(plat_names):
        rows = np.flatnonzero(plat_codes == pc)
        codes, uniques = pd.factorize(vals[rows])
        u_ids = np.empty(len(uniques), dtype=object)
        u_handles = np.empty(len(uniques), dtype=object)
        u_errors = np.full(len(uniques), "", dtype=object)
        for i, v in enumerate(uniques.tolist()):
            try:
                u_ids[i], u_handles[i] = account_identity(p, v)
            except ValueError as exc:
                u_errors[i] = str(exc)
        ids[rows], handles[rows], errors[rows] = u_ids[codes], u_handles[codes], u_errors[codes]
    return ids, handles, errors
