"""Settings of the web application that the command line does not need.

Defaults follow OWASP ASVS 5.0 level 2 (DOMAIN.md section 7): a 15-minute inactivity timeout
and an 8-hour absolute timeout for a session, login rate limits per IP address and per account.
``hhb serve`` reads the environment; tests pass their own values.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from store.models import utcnow


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    """Signs the session cookie. Without ``HHB_SECRET_KEY`` a fresh key per start: every session
    then ends with a restart, which is safe (sessions live on the server anyway)."""
    https: bool = False
    """Served over TLS (usually behind a reverse proxy): Secure cookies and HSTS."""
    idle_timeout: dt.timedelta = dt.timedelta(minutes=15)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=8)
    login_limit_ip: str = "20 per 5 minutes"
    """Login attempts (POST) per client address."""
    login_limit_account: str = "5 per 15 minutes"
    """Failed login attempts per user name, from any address."""
    rate_limit_storage: str = "memory://"
    """flask-limiter storage; ``memory://`` is per process, enough for one waitress process."""
    max_upload_bytes: int = 50 * 1024 * 1024
    """Largest request (an upload of several bank files at once)."""
    clock: Callable[[], dt.datetime] = utcnow
    """Time source for the session timeouts (tests move it forward)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> DashboardConfig:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("HHB_SECRET_KEY"):
            values["secret_key"] = env["HHB_SECRET_KEY"]
        if env.get("HHB_HTTPS", "").lower() in ("1", "true", "ja", "yes"):
            values["https"] = True
        if env.get("HHB_RATE_LIMIT_STORAGE"):
            values["rate_limit_storage"] = env["HHB_RATE_LIMIT_STORAGE"]
        return cls(**values)  # type: ignore[arg-type]
