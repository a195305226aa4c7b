"""Who an account is, on each platform: one rule per platform, used by every reader.

An account is ``platform:platform_id`` (:func:`graph.model.account_key`). The
platform id is the platform's **stable id** whenever the source gives one, so
that a renamed account stays one account; handles are display only (the
account's ``handle``). Where a source gives only a handle, the id is the handle
lower-cased, prefixed ``@`` on platforms whose stable ids could look like a
handle — the same convention as X's unresolved mentions.

=========  ======================================  =============================================
platform   platform id                             notes
=========  ======================================  =============================================
x          numeric user id (``2244994945``)        handle only: ``@jack`` (see :mod:`ingest.x_parse`)
youtube    channel id ``UC…`` (24 characters)      handle only: ``@acmehq``; display names are not ids
mastodon   ``user@instance``, lower-cased          a local account (``acct`` without ``@``) gets the
                                                   fetching instance's domain; numeric ids are per
                                                   instance and never used
bluesky    DID (``did:plc:…``, ``did:web:…``)      handles change (``ann.bsky.social`` →
                                                   ``ann.example.com``): handle only: ``@ann.bsky.social``
reddit     username, lower-cased                   ``[deleted]`` / ``[removed]`` authors are no account;
                                                   Reddit accounts never join a person
                                                   (:data:`graph.people.UNLINKABLE_PLATFORMS`)
blog       the site's host, lower-cased, no        ``https://www.Example.com/a`` → ``example.com``;
           ``www.`` (``blog.example.com``)          a commenter without a site: ``name@host`` of the blog
linkedin   profile slug (``/in/<slug>``)           exports naming only a person: ``name:<name lower-cased>``
facebook   app-scoped user id or page id (digits)  handle only (a page's username): ``@acme``
other      handle, lower-cased                     ``generic:alice``, ``slack:…`` (their readers)
=========  ======================================  =============================================
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from graph.model import normalize_handle

#: The platform name of blogs, feeds and their comments (``scout ingest rss``).
BLOG = "blog"
_YOUTUBE_CHANNEL = re.compile(r"^UC[0-9A-Za-z_-]{22}$")
_DID = re.compile(r"^did:(?:plc:[a-z2-7]{24}|web:[a-zA-Z0-9.%:-]+|[a-z]+:[A-Za-z0-9._:%-]+)$")
_MASTODON_ACCT = re.compile(r"^@?([A-Za-z0-9_.-]+)(?:@([A-Za-z0-9.-]+\.[A-Za-z0-9-]+|localhost(?::\d+)?))?$")
_REDDIT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LINKEDIN_SLUG = re.compile(r"linkedin\.com/(?:in|pub)/([^/?#\s]+)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
#: Reddit's placeholders for authors that are gone.
REDDIT_GONE = frozenset({"[deleted]", "[removed]", "deleted", ""})


def youtube_id(value: str) -> tuple[str, str | None]:
    """A YouTube channel's ``(platform_id, handle)``: the ``UC…`` channel id, else ``@handle``.

    Raises
    ------
    ValueError
        Blank.

    Examples
    --------
    >>> youtube_id("UC_x5XG1OV2P6uZZ5FSM9Ttw")
    ('UC_x5XG1OV2P6uZZ5FSM9Ttw', None)
    >>> youtube_id("@GoogleDevelopers")
    ('@googledevelopers', 'GoogleDevelopers')
    """
    raw = str(value).strip()
    if _YOUTUBE_CHANNEL.match(raw):
        return raw, None
    handle = _handle(raw)
    return "@" + handle.lower(), handle


def mastodon_id(acct: str, instance: str | None = None) -> tuple[str, str]:
    """A fediverse account's ``(platform_id, handle)``: ``user@instance`` lower-cased.

    ``acct`` as the API gives it: ``user`` for an account of the instance that
    answered (it gets ``instance``'s domain), ``user@other.domain`` otherwise.
    The handle keeps the case as written.

    Raises
    ------
    ValueError
        Blank, not an ``acct``, or a local account with no ``instance`` to place it.

    Examples
    --------
    >>> mastodon_id("Gargron", "https://Mastodon.social/")
    ('gargron@mastodon.social', 'Gargron@mastodon.social')
    >>> mastodon_id("@ann@fosstodon.org")
    ('ann@fosstodon.org', 'ann@fosstodon.org')
    """
    raw = str(value_or_blank(acct)).strip()
    m = _MASTODON_ACCT.match(raw)
    if not m:
        raise ValueError(f"not a fediverse account (user@instance): {acct!r}")
    user, domain = m.group(1), m.group(2)
    if domain is None:
        domain = instance_domain(instance) if instance else None
        if not domain:
            raise ValueError(f"local account {user!r} without the instance it belongs to")
    handle = f"{user}@{domain.lower()}"
    return handle.lower(), handle


def instance_domain(instance: str) -> str:
    """The domain of a Mastodon instance given as a URL or a host.

    Examples
    --------
    >>> instance_domain("https://Mastodon.Social/"), instance_domain("localhost:3000")
    ('mastodon.social', 'localhost:3000')
    """
    raw = str(instance).strip()
    host = urlsplit(raw if "//" in raw else "//" + raw).netloc
    return host.lower()


def bluesky_id(value: str) -> tuple[str, str | None]:
    """A Bluesky account's ``(platform_id, handle)``: its DID, else ``@handle`` lower-cased.

    Raises
    ------
    ValueError
        Blank, or a malformed DID.

    Examples
    --------
    >>> bluesky_id("did:plc:z72i7hdynmk6r22z27h6tvur")
    ('did:plc:z72i7hdynmk6r22z27h6tvur', None)
    >>> bluesky_id("@Ann.bsky.social")
    ('@ann.bsky.social', 'Ann.bsky.social')
    """
    raw = str(value).strip()
    if raw.startswith("did:"):
        if not _DID.match(raw):
            raise ValueError(f"not a DID: {value!r}")
        return raw, None
    handle = _handle(raw)
    return "@" + handle.lower(), handle


def bluesky_did_of_uri(uri: str) -> str | None:
    """The DID of an ``at://<did>/<collection>/<rkey>`` URI (``None`` when there is none).

    Examples
    --------
    >>> bluesky_did_of_uri("at://did:plc:abc/app.bsky.feed.post/3k")
    'did:plc:abc'
    >>> bluesky_did_of_uri("at://ann.bsky.social/app.bsky.feed.post/3k") is None
    True
    """
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    authority = uri[5:].split("/", 1)[0]
    return authority if authority.startswith("did:") else None


def reddit_id(name: str) -> tuple[str, str] | None:
    """A Reddit account's ``(platform_id, handle)``: the username lower-cased.

    ``None`` for a deleted or removed author (``[deleted]``): its comments are
    read but give no edge from or to it.

    Raises
    ------
    ValueError
        Not a Reddit username.

    Examples
    --------
    >>> reddit_id("u/Spez"), reddit_id("[deleted]")
    (('spez', 'Spez'), None)
    """
    raw = str(value_or_blank(name)).strip()
    if raw.lower() in REDDIT_GONE:
        return None
    for prefix in ("/u/", "u/", "/user/", "user/"):
        if raw.lower().startswith(prefix):
            raw = raw[len(prefix):]
            break
    if not _REDDIT_NAME.match(raw):
        raise ValueError(f"not a Reddit username: {name!r}")
    return raw.lower(), raw


def blog_id(url: str) -> tuple[str, str]:
    """A blog's ``(platform_id, handle)``: its host lower-cased without ``www.`` (both).

    Raises
    ------
    ValueError
        No host in ``url``.

    Examples
    --------
    >>> blog_id("https://www.Example.com/2024/05/post.html")
    ('example.com', 'example.com')
    >>> blog_id("blog.example.com")
    ('blog.example.com', 'blog.example.com')
    """
    raw = str(value_or_blank(url)).strip()
    host = urlsplit(raw if "//" in raw else "//" + raw).hostname or ""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or "." not in host and host != "localhost":
        raise ValueError(f"no site host in {url!r}")
    return host, host


def blog_commenter_id(name: str, url: str | None, site: str) -> tuple[str, str]:
    """A blog commenter: its own site's host when it gave one, else ``name@<blog host>``.

    Examples
    --------
    >>> blog_commenter_id("Ann Lee", "https://ann.example.org/", "https://blog.acme.com/x")
    ('ann.example.org', 'ann.example.org')
    >>> blog_commenter_id("Ann Lee", None, "https://blog.acme.com/x")
    ('ann lee@blog.acme.com', 'Ann Lee')
    """
    if url:
        try:
            return blog_id(url)
        except ValueError:
            pass
    who = _SPACES.sub(" ", normalize_handle(name or "")).strip()
    if not who:
        raise ValueError("a commenter without a name or a site")
    return f"{who.lower()}@{blog_id(site)[0]}", who


def linkedin_id(value: str) -> tuple[str, str | None]:
    """A LinkedIn member's ``(platform_id, handle)``: the profile slug, else ``name:<name>``.

    ``value`` is a profile URL (``https://www.linkedin.com/in/jane-doe-12/``), a
    bare slug or handle (no spaces), or — in exports that name people only — a
    full name (with a space).

    Raises
    ------
    ValueError
        Blank.

    Examples
    --------
    >>> linkedin_id("https://www.linkedin.com/in/Jane-Doe-12/?x=1")
    ('jane-doe-12', 'jane-doe-12')
    >>> linkedin_id("Jane  Doe"), linkedin_id("janab")
    (('name:jane doe', None), ('janab', 'janab'))
    """
    raw = normalize_handle(str(value_or_blank(value)))
    if not raw:
        raise ValueError("empty LinkedIn member")
    m = _LINKEDIN_SLUG.search(raw)
    if m:
        slug = m.group(1).lower()
        return slug, slug
    if len(raw) <= 100 and not _SPACES.search(raw):  # slugs have no spaces; names do
        return raw.lower(), raw
    return "name:" + _SPACES.sub(" ", raw).lower(), None


def facebook_id(value: str) -> tuple[str, str | None]:
    """A Facebook user's or Page's ``(platform_id, handle)``: its numeric id, else ``@name``.

    Graph API ids of users are app-scoped (the same person has another id in
    another app): they identify within the company's app only.

    Examples
    --------
    >>> facebook_id("10158000000000001"), facebook_id("@AcmeCorp")
    (('10158000000000001', None), ('@acmecorp', 'AcmeCorp'))
    """
    raw = str(value_or_blank(value)).strip()
    if raw.isdigit():
        return raw, None
    handle = _handle(raw)
    return "@" + handle.lower(), handle


def value_or_blank(value: object) -> str:
    """``value`` as text, ``""`` for ``None``."""
    return "" if value is None else str(value)


def _handle(raw: str) -> str:
    handle = normalize_handle(raw)
    if not handle:
        raise ValueError("empty handle")
    return handle


def account_identity(platform: str, value: str) -> tuple[str, str | None]:
    """The ``(platform_id, handle)`` of an account named ``value`` on ``platform``.

    The rule of every file reader (edge lists, account files, rosters): the
    platform's own rule above where it has one, else the lower-cased handle.

    Parameters
    ----------
    platform : str
        A normalised platform name.
    value : str
        A handle (with or without ``@``), or the platform's stable id.

    Returns
    -------
    tuple
        The platform id, and the handle as written (``None`` for a bare id).

    Raises
    ------
    ValueError
        If ``value`` is blank or not valid on ``platform``.

    Examples
    --------
    >>> account_identity("generic", "@Alice")
    ('alice', 'Alice')
    >>> account_identity("x", "12"), account_identity("x", "@Jack")
    (('12', None), ('@jack', 'Jack'))
    >>> account_identity("mastodon", "@Ann@Fosstodon.org")[0], account_identity("reddit", "u/Bob")[0]
    ('ann@fosstodon.org', 'bob')
    """
    raw = str(value).strip()
    handle = normalize_handle(raw)
    if not handle:
        raise ValueError("empty handle")
    if platform == "x":
        if raw.isdigit():
            return raw, None
        return "@" + handle.lower(), handle
    rule = _RULES.get(platform)
    if rule is not None:
        return rule(raw)
    return handle.lower(), handle


def _reddit_rule(raw: str) -> tuple[str, str | None]:
    found = reddit_id(raw)
    if found is None:
        raise ValueError(f"a deleted Reddit author is no account: {raw!r}")
    return found


_RULES = {
    "youtube": youtube_id,
    "mastodon": mastodon_id,
    "bluesky": bluesky_id,
    "reddit": _reddit_rule,
    BLOG: blog_id,
    "linkedin": linkedin_id,
    "facebook": facebook_id,
}


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
    # Printable ASCII (nearly every value) on X and on platforms without a rule of
    # their own follows the rule with string kernels: clean_text leaves such a
    # value alone, so the handle is the value without blanks and a leading "@".
    # Other values, and every platform in _RULES, go through account_identity.
    raw = vals.str.strip()
    plain = (vals.str.fullmatch(r"[ -~]*").to_numpy(dtype=bool)
             & ~plat.isin(list(_RULES)).to_numpy(dtype=bool))
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
