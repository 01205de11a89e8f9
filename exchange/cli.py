"""The `exchange` command: a FlaskGroup over create_app with demo, serve, user and outbox commands."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Peer Exchange: peer experts, live exchanges and calendar invites."""


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="exchange")


def _serve(app, host: str, port: int) -> None:
    from .server import serve_in_process

    serve_in_process(app, host, port)


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--no-serve", is_flag=True, help="Load the demo data and stop, without serving.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create or upgrade the database, load the demo program, print the logins and serve."""
    from flask_migrate import upgrade

    from .demo import DEMO_PASSWORD, load_demo

    click.echo("Upgrading the database …")
    upgrade()
    click.echo("Loading the demo program …")
    logins = load_demo()
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<10} {email}")
    outbox = current_app.config["MAIL_OUTBOX_DIR"] if not current_app.config.get("MAIL_SERVER") else "SMTP " + current_app.config["MAIL_SERVER"]
    click.echo(f"\nEmails go to: {outbox}\n")
    if not no_serve:
        _serve(current_app._get_current_object(), host, port)


@cli.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 5000)), type=int, show_default="PORT or 5000")
@click.option("--workers", default=lambda: int(os.environ.get("WEB_WORKERS", 1)), type=click.IntRange(1, 64),
              show_default="WEB_WORKERS or 1", help="Single-worker processes on ports PORT, PORT+1, …")
@click.option("--async-mode", type=click.Choice(["threading", "gevent"]), default=None,
              help="Socket.IO server mode (default: SOCKETIO_ASYNC_MODE, else gevent — see bench/RESULTS.md).")
@with_appcontext
def serve_command(host: str, port: int, workers: int, async_mode: str | None) -> None:
    """Run the production server (Socket.IO included) with background email delivery."""
    from .server import Supervisor, gevent_patched

    app = current_app._get_current_object()
    # gevent held 1,000 people in one room where threading fell behind (bench/RESULTS.md); `exchange demo` and
    # the tests keep the config's threading default.
    mode = async_mode or os.environ.get("SOCKETIO_ASYNC_MODE") or "gevent"
    if mode == "gevent":
        try:
            import gevent  # noqa: F401 - only checking it is installed; workers patch before importing the app
        except ImportError as exc:
            raise click.ClickException("gevent mode needs gevent: pip install -e '.[gevent]'") from exc
    if workers > 1 and not app.config.get("REDIS_URL"):
        raise click.ClickException("Several worker processes share live rooms through Redis: set REDIS_URL "
                                   "(e.g. redis://127.0.0.1:6379/0) or use --workers 1.")
    if workers == 1 and (mode == "threading" or gevent_patched()) and mode == app.config["SOCKETIO_ASYNC_MODE"]:
        _serve(app, host, port)
        return
    raise SystemExit(Supervisor(host=host, port=port, workers=workers, async_mode=mode).run())


@cli.group("user")
def user_group() -> None:
    """Manage accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["organizer", "expert", "official", "admin"]), required=True)
@click.option("--password", default=None, help="Prompted for (hidden, twice) when not given.")
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--language", default="en", show_default=True)
@with_appcontext
def user_create(email: str, name: str, role: str, password: str | None, timezone: str, language: str) -> None:
    """Create an account with a role."""
    from .accounts.services import create_user
    from .common.errors import DomainError

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email=email, name=name, role=role, password=password, timezone=timezone, language=language)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@user_group.command("disable")
@click.option("--email", required=True)
@click.option("--enable", is_flag=True, help="Re-enable instead of disabling.")
@with_appcontext
def user_disable(email: str, enable: bool) -> None:
    """Disable (or re-enable) an account; it is logged out everywhere."""
    from .accounts.services import get_user_by_email, set_disabled
    from .common.errors import DomainError

    try:
        user = set_disabled(get_user_by_email(email), actor=None, disabled=not enable)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"{user.email} is now {'disabled' if user.disabled else 'enabled'}.")


@cli.group("outbox")
def outbox_group() -> None:
    """Deliver and inspect queued emails."""


@outbox_group.command("send")
@with_appcontext
def outbox_send() -> None:
    """Deliver every due message once (for cron); failures are retried later."""
    from .mail.services import deliver_pending

    total_sent = total_failed = 0
    while True:
        report = deliver_pending()
        total_sent += report.sent
        total_failed += report.failed
        for line in report.errors:
            click.echo(f"failed: {line}", err=True)
        if report.sent + report.failed == 0:
            break
        if report.sent == 0:
            break  # only failures left: they wait for their backoff
    click.echo(f"Sent {total_sent}, failed {total_failed} (failed messages are retried with backoff).")


@outbox_group.command("status")
@with_appcontext
def outbox_status() -> None:
    """Show how many messages are pending, sent and failed."""
    from .mail.services import outbox_counts

    counts = outbox_counts()
    click.echo("status    count")
    for status, count in counts.items():
        click.echo(f"{status:<9} {count:>5}")


@outbox_group.command("retry")
@with_appcontext
def outbox_retry() -> None:
    """Queue messages that gave up after their last attempt again."""
    from .mail.services import retry_failed

    click.echo(f"Queued {retry_failed()} failed message(s) again.")


@cli.group("reminders")
def reminders_group() -> None:
    """Session reminders (24 hours and 1 hour before)."""


@reminders_group.command("send")
@with_appcontext
def reminders_send() -> None:
    """Queue every due reminder once (for cron; safe alongside a running server); emails go out by the outbox."""
    from .calendar.services import send_due_reminders

    count = send_due_reminders()
    click.echo(f"Queued {count} reminder(s). `exchange outbox send` delivers them when no server runs.")

@cli.group("program")
def program_group() -> None:
    """Import and export the program (exchanges, sessions, speakers) as JSON; see docs/program-format.md."""


@program_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def program_import(file) -> None:
    """Create or update exchanges from FILE (- for standard input); nothing is written if any row is bad."""
    from .exchanges.program import import_program

    # Emails (speaker invitations, changes) build links and calendar files as in a request to PUBLIC_URL.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        report = import_program(file.read(), actor=None)
    if not report.ok:
        for problem in report.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s); nothing was imported.")
    click.echo(f"Imported: {report.exchanges_created} exchange(s) created, {report.exchanges_updated} updated; "
               f"{report.sessions_created} session(s) created, {report.sessions_updated} updated.")


@program_group.command("export")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", show_default=True,
              help="Where to write the JSON (standard output by default).")
@click.option("--external-id", "external_ids", multiple=True, help="Only this exchange (repeatable).")
@with_appcontext
def program_export(output, external_ids: tuple[str, ...]) -> None:
    """Write the program in the import format; importing it back changes nothing."""
    from .exchanges.program import dumps, export_program

    output.write(dumps(export_program(actor=None, external_ids=list(external_ids) or None)))


if __name__ == "__main__":
    main()
