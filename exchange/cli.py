"""The `exchange` command: a FlaskGroup over create_app with demo, serve, user and outbox commands."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app
from .accounts.models import UserRole
from .config import public_url_for_listening
from .server import serve_in_process


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Peer Exchange: peer experts, live exchanges and calendar invites."""


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="exchange")


def _announce_public_url(host: str, port: int) -> str:
    """Choose PUBLIC_URL for a server on `host`:`port` (config.public_url_for_listening) and say which it is."""
    url = public_url_for_listening(current_app.config, host, port)
    source = current_app.config["PUBLIC_URL_SOURCE"]
    how = "set" if source in ("PUBLIC_URL", "config") else "from the address the server listens on; set PUBLIC_URL to change it"
    click.echo(f"Links in emails and calendars use {url} ({how}).")
    return url


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--no-serve", is_flag=True, help="Load the demo data and stop, without serving.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create or upgrade the database, load the demo program, print the logins and serve."""
    from flask_migrate import upgrade

    from .demo import DEMO_PASSWORD, load_demo

    _announce_public_url(host, port)  # before the demo data: its emails carry links
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
        serve_in_process(current_app._get_current_object(), host, port, demo=True)


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
    public_url = _announce_public_url(host, port)
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
        serve_in_process(app, host, port)
        return
    # Workers on PORT, PORT+1, … share one public address: the first port's, or the PUBLIC_URL set (the proxy's).
    raise SystemExit(Supervisor(host=host, port=port, workers=workers, async_mode=mode, public_url=public_url).run())


@cli.group("user")
def user_group() -> None:
    """Manage accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in UserRole]), required=True)
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
    from .common.urls import request_context_for_rendering
    from .exchanges.program import import_program

    # Emails (speaker invitations, changes) build links and calendar files as in a request to PUBLIC_URL.
    with request_context_for_rendering():
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


@cli.group("i18n")
def i18n_group() -> None:
    """Translation catalogues (exchange/translations/<lang>/LC_MESSAGES/messages.po and .mo)."""


@i18n_group.command("extract")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the template (default exchange/translations/messages.pot).")
def i18n_extract(output: str | None) -> None:
    """Collect every marked string of the sources named in babel.cfg into a template."""
    from pathlib import Path

    from .common import catalogs

    template = catalogs.extract_catalog()
    path = catalogs.write_template(template, Path(output) if output else None)
    click.echo(f"{len(template)} messages written to {path}")


@i18n_group.command("init")
@click.argument("lang")
def i18n_init(lang: str) -> None:
    """Start the catalogue of a new language (then translate it, compile, and add it to LANGUAGES)."""
    from .common import catalogs

    try:
        path = catalogs.init_language(lang, catalogs.extract_catalog())
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {path}: translate it, then `exchange i18n compile`.")


@i18n_group.command("update")
def i18n_update() -> None:
    """Extract, merge into every language (new entries empty, edited ones fuzzy) and compile."""
    from .common import catalogs

    template = catalogs.extract_catalog()
    catalogs.write_template(template)
    for lang in catalogs.languages():
        added, removed = catalogs.update_language(lang, template)
        catalogs.compile_language(lang)
        todo = len(catalogs.translation_problems(catalogs.read_catalog(lang)))
        click.echo(f"{lang}: {added} new, {removed} removed, {todo} to translate or check")


@i18n_group.command("compile")
def i18n_compile() -> None:
    """Compile every messages.po into the messages.mo the application reads."""
    from .common import catalogs

    for lang in catalogs.languages():
        click.echo(f"{lang}: {catalogs.compile_language(lang)}")


@i18n_group.command("check")
def i18n_check() -> None:
    """Fail when a catalogue lacks a translation, is behind the sources, or is not compiled."""
    from .common import catalogs

    report = catalogs.check_all()
    for problem in report.problems:
        click.echo(problem, err=True)
    for lang in report.languages:
        click.echo(f"{lang}: {report.counts[lang]} messages")
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} problem(s); see above.")
    click.echo("All catalogues are complete, up to date and compiled.")
@cli.group("live")
def live_group() -> None:
    """Moderate a live room from the command line (reaches every server process through REDIS_URL)."""


def _live_action(action: str, session_id: int, email: str) -> None:
    from sqlalchemy import func, select

    from .accounts.models import User
    from .common.errors import DomainError
    from .extensions import db
    from .live import services

    actor = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if actor is None or not actor.is_active:
        raise click.ClickException(f"No active account with the email {email}.")
    try:
        change = services.open_room if action == "open" else services.close_room
        result = change(session_id, actor=actor)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    reach = "every connected client" if current_app.config.get("REDIS_URL") else \
        "clients when they next join (no REDIS_URL: this command cannot reach a running server's sockets)"
    click.echo(f"Room of session {session_id} is {result['status']}; told {reach}.")


@live_group.command("open")
@click.option("--session", "session_id", type=int, required=True, help="The session whose room opens.")
@click.option("--as", "email", required=True, help="Email of the host or organizer acting.")
@with_appcontext
def live_open(session_id: int, email: str) -> None:
    """Open a session's live room, as its host or an organizer."""
    _live_action("open", session_id, email)


@live_group.command("close")
@click.option("--session", "session_id", type=int, required=True, help="The session whose room closes.")
@click.option("--as", "email", required=True, help="Email of the host or organizer acting.")
@with_appcontext
def live_close(session_id: int, email: str) -> None:
    """Close a session's live room (open polls close, hands go down), as its host or an organizer."""
    _live_action("close", session_id, email)


@cli.group("surveys")
def surveys_group() -> None:
    """Post-session feedback surveys."""


@surveys_group.command("send")
@with_appcontext
def surveys_send() -> None:
    """Queue every due survey email once (for cron; safe alongside a running server)."""
    from .reports.surveys import send_due_surveys

    click.echo(f"Queued {send_due_surveys()} survey email(s).")


if __name__ == "__main__":
    main()
