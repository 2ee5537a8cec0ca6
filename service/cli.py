"""The `audarma` command: localize articles and check glossaries on embedded defaults."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .core.glossary import ENTRY_TYPES, check_glossary, collection_files, unclassified_variants
from .core.interchange import FORMATS, collection_file_name
from .domain import ROLES

EXIT_BAD_INPUT = 2


@click.group()
@click.version_option(package_name="audarma")
@click.pass_context
def main(ctx: click.Context) -> None:
    """audarma: names, figures and translations for multilingual news copy."""
    if not ctx.resilient_parsing and "--help" not in sys.argv:
        _settings()  # a bad AUDARMA_* value is named before any command starts


def _read_article(article: str) -> str:
    raw = sys.stdin.buffer.read() if article == "-" else _read_bytes(article)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = "standard input" if article == "-" else article
        raise click.ClickException(
            f"{where} is not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "convert it first, e.g. iconv -f cp1251 -t utf-8"
        ) from exc


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from exc


@main.command()
@click.argument("article")
@click.option("--to", "targets", required=True, help="Target locales, comma-separated: es-ES,ru-RU")
@click.option(
    "--glossary",
    "glossaries",
    multiple=True,
    type=click.Path(exists=True),
    help="A glossary file or folder; repeatable. Replaces the shipped collections for this run.",
)
@click.option("--from", "source_language", default="auto", show_default=True,
              help="Source language (en, ru, kk) or auto.")
@click.option("--engine", default=None,
              help="Use only this translation engine (apertium, argos, libretranslate, deepl).")
@click.option("--format", "fmt", type=click.Choice(["text", "html"]), default="text",
              show_default=True, help="html keeps markup and honours translate=\"no\".")
@click.option("--former-names", type=click.Choice(["suggest", "apply"]), default=None,
              help="Former place names outside historical contexts: suggest today's name "
                   "(default, or AUDARMA_FORMER_NAMES) or apply it.")
@click.option("--exonyms", type=click.Choice(["suggest", "off"]), default=None,
              help="Other accepted names (Peking): suggest the glossary's name (default, or "
                   "AUDARMA_EXONYMS) or leave them alone.")
@click.option("--styles", "styles_path", type=click.Path(exists=True, file_okay=False),
              default=None, help="A desk's folder of house styles, laid over the shipped ones "
                                 "(default: AUDARMA_STYLES_PATH).")
@click.option("--json", "as_json", is_flag=True, help="Print the result document as JSON.")
def localize(article, targets, glossaries, source_language, engine, fmt, former_names, exonyms,
             styles_path, as_json):
    """Fix names, localize figures and translate ARTICLE (a file, or - for standard input)."""
    from .core.glossary import GlossaryError
    from .core.matching import NamePolicy
    from .core.pipeline import LocalizeError, Localizer  # heavy: only for this command

    text = _read_article(article)
    settings = _settings()
    policy = NamePolicy(former=former_names or settings.former_names,
                        exonym=exonyms or settings.exonyms)
    with _engines(engine) as engines:
        try:
            localizer = Localizer.from_paths(
                list(glossaries) or None, styles_path=styles_path or settings.styles_path,
                engines=engines, policy=policy,
            )
            result = localizer.localize(text, targets.split(","), source_language, engine, fmt)
        except (LocalizeError, GlossaryError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(text, result))


def _engines(only: str | None):
    from .config import KNOWN_ENGINES, Settings, SettingsError
    from .engines import build_engines

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if only and only not in KNOWN_ENGINES:
        raise click.ClickException(
            f"unknown engine {only!r}; known engines: {', '.join(KNOWN_ENGINES)}"
        )
    router = build_engines(settings, only=only)
    if only and not router.engines:
        raise click.ClickException(
            f"engine {only!r} is not configured: see `audarma engines` for what it needs"
        )
    return router


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def engines(ctx, as_json):
    """List translation engines, the language pairs they serve and their state; the
    subcommands install, list and remove Argos Translate packages."""
    if ctx.invoked_subcommand is not None:
        return
    from .engines import describe_engines

    infos = describe_engines(_settings())
    if as_json:
        click.echo(json.dumps([info.to_dict() for info in infos], ensure_ascii=False, indent=2))
        return
    for info in infos:
        pairs = ", ".join(f"{s}-{t}" for s, t in info.pairs) or "-"
        click.echo(f"{info.name:15} {info.state}")
        click.echo(f"{'':15} pairs: {pairs}")


PACKAGE_ENGINES = click.Choice(["argos"])


@engines.command("install")
@click.argument("engine", type=PACKAGE_ENGINES)
@click.argument("source")
@click.argument("target")
def engines_install(engine, source, target):
    """Install the package for SOURCE -> TARGET (language codes: en ru) from the package index
    (AUDARMA_ARGOS_INDEX_URL) into the folder the Argos engine reads
    (AUDARMA_ARGOS_PACKAGES_DIR). An installed pair at the index's version is left alone."""
    from .engine_packages import PackageError, choose, install, read_index

    settings = _settings()
    folder = _argos_packages_dir(settings)
    try:
        entry = choose(read_index(settings.argos_index_url, settings.http_timeout),
                       source, target)
        progress = _DownloadProgress(entry.folder_name)
        try:
            result = install(entry, folder, timeout=settings.http_timeout, progress=progress)
        finally:
            progress.finish()
    except (PackageError, OSError) as exc:  # OSError: the packages folder is not writable
        raise click.ClickException(str(exc)) from exc
    pair = f"{entry.source}->{entry.target}"
    if result.state == "already installed":
        click.echo(f"{pair} is already installed ({result.path.name}); nothing downloaded")
        return
    click.echo(f"installed {pair} version {entry.version or '?'} in {result.path}")
    for name in result.replaced:
        click.echo(f"removed the older {name}")
    click.echo("running workers and `audarma serve` load it when restarted", err=True)


@engines.command("list-available")
@click.argument("engine", type=PACKAGE_ENGINES)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def engines_list_available(engine, as_json):
    """List the packages the index offers (newest per pair) and which are installed."""
    from .engine_packages import PackageError, installed_packages, read_index

    settings = _settings()
    try:
        entries = read_index(settings.argos_index_url, settings.http_timeout)
    except PackageError as exc:
        raise click.ClickException(str(exc)) from exc
    have = {p.pair: p.version for p in installed_packages(_argos_packages_dir(settings))}
    rows = [{"source": e.source, "target": e.target, "version": e.version,
             "source_name": e.source_name, "target_name": e.target_name,
             "installed": have.get(e.pair)} for e in entries]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} package(s) in {settings.argos_index_url}", err=True)
    for row in rows:
        names = f"{row['source_name']} -> {row['target_name']}"
        state = "" if row["installed"] is None else f"installed {row['installed']}"
        pair = f"{row['source']}-{row['target']}"
        click.echo(f"{pair:<10} {row['version']:<7} {names:<40} {state}".rstrip())


@engines.command("remove")
@click.argument("engine", type=PACKAGE_ENGINES)
@click.argument("source")
@click.argument("target")
def engines_remove(engine, source, target):
    """Remove the installed packages for SOURCE -> TARGET."""
    from .engine_packages import PackageError, remove

    try:
        removed = remove(_argos_packages_dir(_settings()), source, target)
    except (PackageError, OSError) as exc:  # OSError: the packages folder is not writable
        raise click.ClickException(str(exc)) from exc
    for name in removed:
        click.echo(f"removed {name}")


def _argos_packages_dir(settings) -> Path:
    """The folder the Argos engine reads, chosen as service/engines.py chooses it."""
    from .core.translate.argos import default_packages_dir

    return Path(settings.argos_packages_dir or default_packages_dir(os.environ))


class _DownloadProgress:
    """Download progress on stderr: redrawn in place at a terminal, a line per tenth in a log."""

    def __init__(self, label: str):
        self.label = label
        self.tty = sys.stderr.isatty()
        self.shown: int | None = None

    def __call__(self, done: int, total: int | None) -> None:
        step = 1 if self.tty else 10
        if total:
            percent = done * 100 // total
            mark, text = percent // step, f"{done:,} / {total:,} bytes ({percent}%)"
        else:  # the server gave no length: a mark per 1 or 10 MiB
            mark, text = done // (step << 20), f"{done:,} bytes"
        if mark != self.shown:
            self.shown = mark
            prefix = "\r" if self.tty else ""
            click.echo(f"{prefix}{self.label}: {text}", err=True, nl=not self.tty)

    def finish(self) -> None:
        if self.tty and self.shown is not None:
            click.echo(err=True)


def format_report(text: str, result: dict) -> str:
    """A human-readable account of a result document: changes in context, then versions."""
    lines = [f"Source language: {result['source_language']}", ""]
    changes = result["normalized"]["changes"]
    lines.append(f"Changes ({len(changes)}):" if changes else "Changes: none")
    for change in changes:
        mark = "fixed" if change["applied"] else "suggest"
        context = _context(text, change["start"], change["end"])
        lines.append(
            f"  [{mark:7}] {change['original']!r} -> {change['replacement']!r} "
            f"({change['kind']}, {change['entity']}, confidence {change['confidence']:.2f})"
        )
        lines.append(f"            {context}")
        if change.get("reason"):
            lines.append(f"            why: {change['reason']}")
    flags = result["normalized"].get("flags", [])
    if flags:
        lines += ["", f"Copy to check ({len(flags)}):"]
        for flag in flags:
            lines.append(f"  [{flag['kind']}] {flag['text'][:70]!r}: {flag['message']}")
    for target, version in result["versions"].items():
        lines += ["", f"== {target} (engine: {version['engine']})"]
        for name in version["names"]:
            lines.append(f"  name   {name['source']} -> {name['rendered']}  [{name['origin']}]")
        for figure in version["figures"]:
            lines.append(f"  figure {figure['original']} -> {figure['rendered']}")
        for warning in version["warnings"]:
            lines.append(f"  warning: {warning}")
        if version["text"] is not None:
            lines += ["", _indent(version["text"])]
    return "\n".join(lines)


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    before = text[max(0, start - width) : start].replace("\n", " ")
    after = text[end : end + width].replace("\n", " ")
    return f"...{before}[{text[start:end]}]{after}..."


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


@main.group()
def glossary() -> None:
    """Check, import and export glossary collections."""


@glossary.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--strict", is_flag=True,
              help="Also fail on variants written without a kind (read as spellings).")
def glossary_check(paths, strict):
    """Validate glossary files or folders (default: the shipped glossaries/)."""
    entries, problems = check_glossary(list(paths) or None)
    loose = unclassified_variants(entries)
    if strict:
        problems = [*problems, *loose]
    elif loose:
        click.echo(f"note: {len(loose)} variant(s) have no kind and are read as spellings; "
                   "--strict lists them", err=True)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.collection] = counts.get(entry.collection, 0) + 1
    summary = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
    click.echo(f"ok: {len(entries)} entries ({summary})")


@glossary.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True), required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="yaml", show_default=True,
              help="yaml collections (files or folders), a csv-pair glossary (source,target), "
                   "a csv-wide one (a column per language) or TBX-Basic.")
@click.option("--source", default="en", show_default=True,
              help="The language CSV rows are matched by (and csv-pair's first column).")
@click.option("--target", default=None, help="csv-pair's second column (required for it).")
@click.option("--type", "entry_type", type=click.Choice(ENTRY_TYPES), default="term",
              show_default=True, help="The type of new entities whose row gives none.")
@click.option("--collection", default="import", show_default=True,
              help="The collection of new entities whose row gives none.")
@click.option("--dry-run", is_flag=True, help="Show what the import would do; write nothing.")
def glossary_import(paths, fmt, source, target, entry_type, collection, dry_run):
    """Import glossary files: a dry run first (adds, changes, conflicts, errors), then, unless
    --dry-run, all of it in one transaction. Nothing is written when any row is invalid;
    conflicting rows are left out and listed. Every change is recorded in the entry's history."""
    from .core.interchange import InterchangeError, ReadResult, read
    from .core.locales import InvalidLanguageTag, normalize_tag
    from .store.imports import PlanRefused, apply_import, plan_import

    try:
        source = normalize_tag(source)
        target = normalize_tag(target) if target else None
    except InvalidLanguageTag as exc:
        raise click.ClickException(str(exc)) from exc
    found = ReadResult()
    files = collection_files(paths) if fmt == "yaml" else [Path(p) for p in paths]
    for path in files:
        try:
            found.extend(read(fmt, _read_bytes(str(path)), source=source, target=target,
                              name=str(path)))
        except InterchangeError as exc:
            raise click.ClickException(str(exc)) from exc
    database = _database()
    plan = plan_import(database, found, source=source, target=target,
                       default_type=entry_type, collection=collection, by="cli import")
    counts = plan.counts()
    click.echo(("dry run: " if dry_run else "plan: ")
               + ", ".join(f"{n} {action}" for action, n in counts.items()))
    for item in plan.items:
        if item.action != "unchanged":
            click.echo(item.describe(), err=item.action == "error")
    if dry_run:
        return
    try:
        result = apply_import(database, plan, by="cli import")
    except PlanRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported: {result.added} added, {result.changed} changed, "
               f"{len(result.conflicts)} conflict(s) left out")


@glossary.command("export")
@click.argument("out", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="yaml", show_default=True,
              help="yaml writes a folder of collections; the others one file (- for stdout).")
@click.option("--source", default="en", show_default=True,
              help="csv-pair's first column; the first column of csv-wide; TBX's xml:lang.")
@click.option("--target", default=None, help="csv-pair's second column (required for it).")
def glossary_export(out, fmt, source, target):
    """Write the database's glossary as YAML collections (one file per collection), or as
    one csv-pair, csv-wide or TBX-Basic file."""
    from .core.interchange import write_csv_pair, write_csv_wide, write_tbx, write_yaml
    from .store.repositories import GlossaryStore

    grouped = GlossaryStore(_database()).export()
    if fmt == "yaml":
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for collection, text in write_yaml(grouped).items():
            path = folder / collection_file_name(collection)
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path} ({len(grouped[collection])} entries)")
        return
    entries = [{**entry, "collection": collection}
               for collection, members in grouped.items() for entry in members]
    if fmt == "csv-pair":
        if not target:
            raise click.ClickException("--format csv-pair needs --target (the second column)")
        text = write_csv_pair(entries, source, target)
    elif fmt == "csv-wide":
        text = write_csv_wide(entries, source)
    else:
        text = write_tbx(entries, source)
    if out == "-":
        click.echo(text, nl=False)
        return
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"wrote {out} ({len(entries)} entries, {fmt})", err=True)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--seed/--no-seed", default=True, show_default=True,
              help="Load the glossary collections into an empty glossary.")
def db_upgrade(seed):
    """Apply migrations (AUDARMA_DATABASE_URL), then seed an empty glossary."""
    from .store.repositories import GlossaryStore

    database = _database(upgrade=True)
    if seed:
        count = GlossaryStore(database).seed_if_empty(_glossary_paths())
        click.echo(f"seeded the glossary with {count} entries" if count else "glossary present")
    click.echo("database is up to date")


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--role", type=click.Choice([str(role) for role in ROLES]), required=True)
@click.option("--name", default="", help="Who or what the key is for.")
def keys_create(role, name):
    """Create an API key; the key itself is printed once, alone on the last line."""
    from .store.repositories import KeyStore

    store = KeyStore(_database(upgrade=True))
    plaintext, key = store.create(role, name)
    click.echo(f"created {role} key {key['prefix']} (only its hash is stored; keep it now)",
               err=True)
    click.echo(f"webhook secret (verifies X-Audarma-Signature): {store.webhook_secret(key['id'])}",
               err=True)
    click.echo(plaintext)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON.")
def keys_list(as_json):
    """List API keys: id, prefix, role, name, created, revoked (never the keys themselves)."""
    from .store.repositories import KeyStore

    rows = KeyStore(_database(upgrade=True)).list()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        click.echo(f"{row['id']}  ak_{row['prefix']}_…  {row['role']:<10}  {state:<7}  "
                   f"{row['created_at'][:19]}  {row['name']}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id):
    """Revoke the key with this id (from `audarma keys list`); it stops working at once."""
    from .store.repositories import KeyStore, NotFound

    try:
        KeyStore(_database(upgrade=True)).revoke(key_id)
    except NotFound as exc:
        raise click.ClickException(f"no API key with id {key_id!r}; see `audarma keys list`"
                                   ) from exc
    click.echo(f"revoked {key_id}")


@main.group()
def users() -> None:
    """People who sign in to the maintainers' UI (/ui)."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(["maintainer", "admin"]), required=True)
def users_create(username, role):
    """Create a UI user. The password is asked for at a terminal, or read from the first line
    of standard input (`printf '%s\\n' "$PW" | audarma users create ...`)."""
    from .store.users import UserError, UserStore

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = UserStore(_database(upgrade=True)).create(username, role, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user['role']} {user['name']}")


@users.command("list")
def users_list():
    """List UI users with their role and whether they are locked out."""
    from .store.users import UserStore

    for user in UserStore(_database(upgrade=True)).list():
        locked = f"  locked until {user['locked_until'][:19]}" if user["locked_until"] else ""
        click.echo(f"{user['name']:<24} {user['role']}{locked}")


def _settings():
    from .config import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _glossary_paths() -> list[str] | None:
    path = _settings().glossary_path
    return [path] if path else None


def _database(upgrade: bool = False):
    from .store.db import Database

    database = Database(_settings().database_url)
    if upgrade:
        database.upgrade()
    return database


def _register_service_commands() -> None:
    from .cli_batch import batch
    from .cli_service import serve, worker

    main.add_command(serve)
    main.add_command(worker)
    main.add_command(batch)


_register_service_commands()

if __name__ == "__main__":
    main()
