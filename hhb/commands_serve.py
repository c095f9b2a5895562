"""`hhb serve`: the dashboard on a production WSGI server (waitress).

Waitress serves HTTP; for TLS it sits behind a reverse proxy, and ``--https`` (or
``HHB_HTTPS=1``) then makes the session cookies Secure and adds HSTS. Without ``HHB_SECRET_KEY``
every start signs cookies with a fresh key, so a restart logs everybody out, which is safe.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

import click

from hhb.clikit import Context, db_option, user_errors
from hhb.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def serve_dashboard(
    settings: Settings,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    threads: int = 8,
    https: bool = False,
    trusted_proxy: str | None = None,
    echo: Callable[[str], None] = click.echo,
) -> None:
    """Build the app for ``settings`` and serve it until interrupted."""
    import waitress

    from dashboard import create_app
    from dashboard.config import DashboardConfig

    config = DashboardConfig.from_env()
    if https:
        config = replace(config, https=True)
    app = create_app(settings, config)
    scheme = "https" if config.https else "http"
    echo(f"Dashboard: {scheme}://{host}:{port}/  (stoppen met Ctrl+C)")
    if not os.environ.get("HHB_SECRET_KEY"):
        echo("Let op: HHB_SECRET_KEY is niet gezet; na een herstart moet iedereen opnieuw "
             "inloggen.")  # fmt: skip
    options: dict[str, object] = {"threads": threads, "ident": "hhb"}
    if config.https:
        options["url_scheme"] = "https"
    if trusted_proxy:
        options["trusted_proxy"] = trusted_proxy
        options["trusted_proxy_headers"] = "x-forwarded-for x-forwarded-proto"
    waitress.serve(app.server, host=host, port=port, **options)


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="adres om op te luisteren")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--https", is_flag=True, help="bereikbaar via HTTPS (achter een proxy): Secure-cookies en HSTS"
)
@click.option(
    "--trusted-proxy",
    metavar="ADRES",
    help="adres van de reverse proxy wiens X-Forwarded-For/-Proto vertrouwd wordt",
)
@db_option
@click.pass_obj
@user_errors
def serve_cmd(obj: Context, host: str, port: int, threads: int, https: bool,
              trusted_proxy: str | None) -> None:  # fmt: skip
    """Start het dashboard voor deelnemers, coaches, analisten en beheerders."""
    obj.engine()  # refuses a missing or outdated database with one clear line
    try:
        serve_dashboard(obj.settings, host=host, port=port, threads=threads, https=https,
                        trusted_proxy=trusted_proxy)  # fmt: skip
    except OSError as exc:
        raise click.ClickException(
            f"kan niet luisteren op {host}:{port} ({exc.strerror or exc}); kies een andere "
            "--port of stop het programma dat die poort gebruikt"
        ) from None
