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
