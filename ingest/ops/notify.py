"""Deliver refresh alerts: an incoming webhook (Slack, Teams, Mattermost…) or e-mail over SMTP.

Settings come from ``[alerts]`` in ``scout.toml``; secrets (the webhook URL,
the SMTP user and password) only from environment variables whose *names* the
configuration gives, so that neither the file nor a log ever holds them.
Failures raise :class:`graph.errors.InputError` with a message that never
contains the webhook URL or a password.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

from graph.errors import ConfigError, InputError

#: Seconds a webhook or SMTP server may take to answer.
TIMEOUT = 15.0


@dataclass
class EmailSettings:
    """``[alerts.email]``."""

    host: str
    port: int = 587
    sender: str = ""
    to: list[str] = field(default_factory=list)
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None


@dataclass
class AlertSettings:
    """``[alerts]`` of ``scout.toml`` (see the README's reference)."""

    top: int = 10
    segments: tuple[str, ...] = ("external",)
    themes: bool = True
    share_change: float | None = 0.05
    period: str = "week"
    app_url: str | None = None
    webhook_url_env: str | None = None
    email: EmailSettings | None = None

    @property
    def has_channel(self) -> bool:
        return bool(self.webhook_url_env or self.email)


def post_webhook(url_env: str, text: str) -> None:
    """POST ``{"text": text}`` as JSON to the URL held by the environment variable ``url_env``.

    Raises
    ------
    ConfigError
        The variable is not set.
    InputError
        The server refuses or cannot be reached (the URL is not in the message).
    """
    url = os.environ.get(url_env, "").strip()
    if not url:
        raise ConfigError(f"alerts: the environment variable {url_env} (the webhook URL) is not set")
    host = urllib.request.urlparse(url).hostname or "?"
    req = urllib.request.Request(url, data=json.dumps({"text": text}).encode("utf-8"),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - URL from config
            resp.read()
    except urllib.error.HTTPError as exc:
        raise InputError(f"alerts: the webhook at {host} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"alerts: cannot reach the webhook at {host}: {reason}") from None


def send_email(settings: EmailSettings, subject: str, text: str) -> None:
    """Send ``text`` to ``settings.to`` over SMTP (STARTTLS and login when configured).

    Raises
    ------
    ConfigError
        No recipient, or a login variable named but not set.
    InputError
        The server refuses or cannot be reached.
    """
    if not settings.to:
        raise ConfigError("alerts.email.to: at least one recipient is required")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender or "scout@localhost"
    msg["To"] = ", ".join(settings.to)
    msg.set_content(text)
    user = password = None
    if settings.username_env:
        user = os.environ.get(settings.username_env)
        password = os.environ.get(settings.password_env or "", "")
        if not user:
            raise ConfigError(f"alerts: the environment variable {settings.username_env} "
                              "(the SMTP user) is not set")
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT) as smtp:
            if settings.starttls:
                smtp.starttls()
            if user:
                smtp.login(user, password)
            smtp.send_message(msg)
    except smtplib.SMTPException as exc:
        raise InputError(f"alerts: the SMTP server {settings.host}:{settings.port} refused the "
                         f"message: {type(exc).__name__}") from None
    except OSError as exc:
        raise InputError(f"alerts: cannot reach the SMTP server {settings.host}:{settings.port}: "
                         f"{exc.strerror or exc}") from None


def deliver(settings: AlertSettings, text: str, subject: str) -> list[str]:
    """Send ``text`` through every configured channel; the channels that failed, with why.

    One failing channel does not stop the others.
    """
    failures: list[str] = []
    if settings.webhook_url_env:
        try:
            post_webhook(settings.webhook_url_env, text)
        except (ConfigError, InputError) as exc:
            failures.append(str(exc))
    if settings.email is not None:
        try:
            send_email(settings.email, subject, text)
        except (ConfigError, InputError) as exc:
            failures.append(str(exc))
    return failures
