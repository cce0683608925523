"""Backups of the hub's SQLite file, restoring one, and the start-up check of the file.

* ``talon backup [--db FILE] [-o COPY]``: a consistent copy through SQLite's online backup API,
  safe while the hub runs and writes (the copy is one read transaction of the source).
* The running hub makes a copy a day in ``backups/`` beside its file and keeps 14 days of them
  (``talon hub --backup-dir``, ``--backup-keep-days``; 0 turns them off).
* ``talon restore COPY [--db FILE]``: checks the copy (``PRAGMA integrity_check``, Talon's own
  tables) before touching anything, refuses while a hub runs on the file (the hub holds an OS
  lock on ``FILE.hub-lock`` for as long as it lives, released by the system even on a crash),
  keeps the replaced file aside, and gives the restored log a new identity. Numbers already
  printed on the days the copy does not cover are carried over as ``numbering.floor`` events:
  the hall continues each letter above them, so a restored hub never prints a number twice a day.
* :func:`inspect_database`: what ``talon hub`` says, in one plain paragraph, about a file that is
  not a Talon database (garbage, a truncated SQLite file, another application's database).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import click

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_KEEP_DAYS = 14
NEXT_STEPS = ("Что можно сделать: восстановите базу из резервной копии командой "
              "«talon restore КОПИЯ --db {db}» (копии за последние дни лежат в папке backups рядом с файлом), "
              "или запустите хаб с другим файлом: «talon hub --db ДРУГОЙ_ФАЙЛ».")


class BadDatabase(click.ClickException):
    """A file that can not serve as (or be restored into) the hub's database; the message is for people."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


# ---------------------------------------------------------------------- checking a file

def _ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, isolation_level=None)


def inspect_database(path: Path, *, full: bool = False) -> str | None:
    """None if ``path`` can serve as the hub's database (a Talon file, or no file / an empty one),
    otherwise one paragraph in Russian saying what is wrong (without the next steps)."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return None
    if path.is_dir():
        return f"«{path}» — это папка, а не файл базы данных."
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as exc:
        return f"Файл «{path}» не читается ({exc.strerror or exc})."
    if not head.startswith(SQLITE_HEADER):
        return (f"Файл «{path}» — не база данных Talon: это вообще не файл SQLite "
                f"(возможно, указан не тот файл, или он испорчен).")
    size = path.stat().st_size
    page = int.from_bytes(head[16:18], "big") or 65536 if len(head) >= 18 else 0
    pages = int.from_bytes(head[28:32], "big") if len(head) >= 32 else 0
    wal = Path(str(path) + "-wal")
    if len(head) < 100 or (page and pages and size < page * pages and not wal.exists()):
        return (f"Файл «{path}» повреждён: он обрезан ({size} байт, а по заголовку должно быть "
                f"{page * pages} байт) — похоже, копирование или запись прервались.")
    try:
        conn = sqlite3.connect(str(path), isolation_level=None)
        try:
            check = conn.execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}").fetchall()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            talon = False
            if "_sqlite_migrations" in tables:
                talon = conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'talon'"
                                     ).fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.debug("checking %s failed", path, exc_info=True)  # the traceback: with talon -v only
        return f"Файл «{path}» повреждён: SQLite не может его прочитать ({exc})."
    if [r[0] for r in check] != ["ok"]:
        first = "; ".join(str(r[0]) for r in check[:3])
        return f"Файл «{path}» повреждён: проверка целостности нашла ошибки ({first})."
    if not tables:
        return None
    if not talon or not {"events", "offices", "tickets"} <= tables:
        shown = ", ".join(sorted(t for t in tables if not t.startswith("sqlite_"))[:6])
        return (f"Файл «{path}» — база данных другой программы, а не Talon (в ней таблицы: {shown}). "
                f"Talon не будет её менять.")
    return None


def check_for_hub(path: Path) -> None:
    """Raise :class:`BadDatabase` with the whole paragraph (what is wrong, what to do) if the hub
    can not start on ``path``."""
    folder = Path(path).resolve().parent
    if (folder.exists() and not os.access(folder, os.W_OK)) or (Path(path).exists() and not os.access(path, os.W_OK)):
        raise BadDatabase(f"Хаб не запущен: файл «{path}» или его папка «{folder}» открыты только для чтения, "
                          f"а хабу нужно записывать в них каждый талон. Что можно сделать: верните право записи "
                          f"(или подключите диск для записи) и запустите хаб снова, либо укажите файл в другой "
                          f"папке: «talon hub --db ДРУГОЙ_ФАЙЛ».")
    problem = inspect_database(path)
    if problem:
        raise BadDatabase(f"Хаб не запущен. {problem} {NEXT_STEPS.format(db=path)}")


def start_hub_checked(path: Path, make_app, backup_dir: Path | None = None,
                      keep_days: int = DEFAULT_KEEP_DAYS):
    """What ``talon hub`` does before serving: check the file, take the hub's lock, open the
    store (``make_app(path)``), start the daily backups. A file that can not serve ends in one
    paragraph (:class:`BadDatabase`); the traceback goes to the log only with ``talon -v``."""
    from .store.db import storage_fault

    path = Path(path)
    check_for_hub(path)
    hold_hub_lock(path)
    try:
        app = make_app(path)
    except sqlite3.Error as exc:
        log.debug("opening %s failed", path, exc_info=True)
        kind = storage_fault(exc)
        what = {"readonly": "файл базы данных или его папка открыты только для чтения",
                "full": "на диске не осталось места",
                "busy": "файл занят другой программой",
                "corrupt": "файл повреждён"}.get(kind, f"SQLite не может его открыть ({exc})")
        hint = ("" if kind in ("readonly", "full", "busy") else " " + NEXT_STEPS.format(db=path))
        raise BadDatabase(f"Хаб не запущен: с файлом «{path}» не получается работать — {what}."
                          f"{hint if hint else ' Устраните причину и запустите хаб снова.'}") from exc
    if keep_days > 0:
        app.config["TALON_BACKUPS"] = DailyBackups(path, backup_dir, keep_days).start()
    from .api.casework import DailyForgetting  # the keeping period of personal data (issue 16 point 7)
    app.config["TALON_FORGETTING"] = DailyForgetting(app.config["TALON_HUB"]).start()
    return app


# ---------------------------------------------------------------------- the hub's lock

def _lock_file(path: Path) -> Path:
    return Path(str(path) + ".hub-lock")


def _try_lock(fh) -> bool:
    try:
        if os.name == "nt":
            import msvcrt
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


_held: dict[str, object] = {}


def hold_hub_lock(path: Path) -> None:
    """Take the lock that says «a hub runs on this file» for the life of this process."""
    lock = _lock_file(Path(path))
    lock.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock, "a+")
    if not _try_lock(fh):
        fh.close()
        raise BadDatabase(f"Хаб не запущен: с файлом «{path}» уже работает другой хаб на этом компьютере. "
                          f"Остановите его или запустите этот хаб с другим файлом (--db).")
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    _held[str(lock)] = fh  # kept open (and locked) until the process ends


def hub_running(path: Path) -> bool:
    """Does a hub hold the lock of ``path`` now? (Taking it for a moment is the honest probe.)"""
    lock = _lock_file(Path(path))
    if str(lock) in _held:
        return True
    if not lock.exists():
        return False
    with open(lock, "a+") as fh:
        if not _try_lock(fh):
            return True
    return False


# ---------------------------------------------------------------------- backup

def backup(source: Path, target: Path) -> Path:
    """A consistent copy of ``source`` in ``target`` (written beside it, then renamed into place)."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise click.ClickException(f"Файла базы данных «{source}» нет.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(source), timeout=30, isolation_level=None)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        dst = sqlite3.connect(str(partial), isolation_level=None)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, so one moment of the log
            dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise click.ClickException(f"Копия не прошла проверку целостности: {check}")
        finally:
            dst.close()
    finally:
        src.close()
    with open(partial, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(partial, target)
    return target


def backup_name(db: Path, day: dt.date) -> str:
    return f"{Path(db).stem}-{day.isoformat()}.sqlite"


def default_backup_dir(db: Path) -> Path:
    return Path(db).resolve().parent / "backups"


def prune(folder: Path, db: Path, today: dt.date, keep_days: int) -> list[Path]:
    """Delete the daily copies of ``db`` older than ``keep_days`` days (today's counts as one)."""
    pattern = re.compile(re.escape(Path(db).stem) + r"-(\d{4}-\d{2}-\d{2})\.sqlite$")
    gone = []
    for p in sorted(Path(folder).glob("*.sqlite")):
        m = pattern.match(p.name)
        if not m:
            continue
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:
            continue
        if (today - day).days >= keep_days:
            p.unlink(missing_ok=True)
            gone.append(p)
    return gone


class DailyBackups:
    """The running hub's daily copy: made at start if today has none, then checked every hour."""

    def __init__(self, db: Path, folder: Path | None = None, keep_days: int = DEFAULT_KEEP_DAYS,
                 every: float = 3600.0):
        self.db = Path(db)
        self.folder = Path(folder) if folder else default_backup_dir(db)
        self.keep_days = keep_days
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, today: dt.date | None = None) -> Path | None:
        today = today or dt.date.today()
        target = self.folder / backup_name(self.db, today)
        made = None
        if not target.exists():
            made = backup(self.db, target)
            log.info("daily backup written: %s", made)
        for p in prune(self.folder, self.db, today, self.keep_days):
            log.info("old backup deleted: %s", p)
        return made

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a failed copy must not stop the hub; it is logged
                log.exception("daily backup failed (folder %s)", self.folder)
            self._stop.wait(self.every)

    def start(self) -> DailyBackups:
        self._thread = threading.Thread(target=self._loop, name="daily-backup", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()


# ---------------------------------------------------------------------- restore

def _issued(conn: sqlite3.Connection) -> dict[tuple[str, str], dict[str, int]]:
    """(office, day) → letter → the highest number issued, from a file's ticket projection."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for office, day, letter, number in conn.execute(
            "SELECT office, day, letter, max(number) FROM tickets GROUP BY office, day, letter"):
        out.setdefault((office, day), {})[letter] = number
    return out


def numbering_floors(current: Path, copy: Path) -> list[dict]:
    """The numbers the current file has printed beyond the copy, on the copy's last day of each
    office and after: ``[{"office", "day", "letters": {letter: number}}]``."""
    cur = _ro(current)
    try:
        now_issued = _issued(cur)
    finally:
        cur.close()
    old = _ro(copy)
    try:
        old_issued = _issued(old)
        offices = {r[0] for r in old.execute("SELECT id FROM offices")}
        last_day = dict(old.execute("SELECT office, max(day) FROM tickets GROUP BY office").fetchall())
    finally:
        old.close()
    floors = []
    for (office, day), letters in sorted(now_issued.items()):
        if office not in offices or (last_day.get(office) and day < last_day[office]):
            continue
        before = old_issued.get((office, day), {})
        higher = {letter: n for letter, n in sorted(letters.items()) if n > before.get(letter, 0)}
        if higher:
            floors.append({"office": office, "day": day, "letters": higher})
    return floors


def _move_aside(db: Path, stamp: str) -> Path | None:
    if not db.exists():
        return None
    try:  # fold the log into the file, so that the file aside is whole by itself
        conn = sqlite3.connect(str(db), timeout=5, isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        log.warning("could not checkpoint %s before moving it aside; its -wal goes along", db)
    aside = db.with_name(f"{db.name}.replaced-{stamp}")
    os.replace(db, aside)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(db) + suffix)
        if extra.exists():
            if suffix == "-wal" and extra.stat().st_size:
                os.replace(extra, Path(str(aside) + suffix))
            else:
                extra.unlink()
    return aside


def restore(copy: Path, db: Path, *, force: bool = False) -> dict:
    """Replace ``db`` by ``copy`` (see the module's notes); answers what was done."""
    from .store import Store

    copy, db = Path(copy), Path(db)
    if not copy.exists():
        raise BadDatabase(f"Копии «{copy}» нет: проверьте путь к файлу.")
    if copy.resolve() == db.resolve():
        raise BadDatabase("Копия и рабочий файл — один и тот же файл: укажите другую копию.")
    if hub_running(db):
        raise BadDatabase(f"Восстановление не выполнено: с файлом «{db}» сейчас работает хаб. "
                          f"Остановите хаб и повторите команду; ничего не изменено.")
    problem = inspect_database(copy, full=True)
    if problem is None and (not copy.stat().st_size):
        problem = f"Файл «{copy}» пуст."
    if problem:
        raise BadDatabase(f"Восстановление не выполнено, рабочий файл не тронут. {problem}")
    floors: list[dict] = []
    if db.exists() and db.stat().st_size:
        try:
            floors = numbering_floors(db, copy)
        except sqlite3.Error as exc:
            if not force:
                raise BadDatabase(
                    f"Восстановление не выполнено: текущий файл «{db}» не читается ({exc}), поэтому "
                    f"не узнать, какие номера талонов уже выданы сегодня. Если это так и должно быть, "
                    f"повторите с --force (номера сегодняшних талонов могут повториться).") from exc
            log.warning("current file unreadable (%s): restoring without numbering floors", exc)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    staging = db.with_name(db.name + ".restoring")
    for suffix in ("", "-wal", "-shm"):
        Path(str(staging) + suffix).unlink(missing_ok=True)
    src = _ro(copy)
    try:
        dst = sqlite3.connect(str(staging), isolation_level=None)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    store = Store(staging)  # brings an older copy's schema up to date
    try:
        if floors:
            at = time.time()
            events = [{"office": f["office"], "day": f["day"], "type": "numbering.floor", "at": at,
                       "data": {"day": f["day"], "letters": f["letters"], "reason": "restore"}} for f in floors]
            with store.write() as conn:
                store.append_events(conn, events)
        store.new_log_identity()
    finally:
        _close_store(store)
    with open(staging, "rb+") as f:
        os.fsync(f.fileno())
    db.parent.mkdir(parents=True, exist_ok=True)
    aside = _move_aside(db, stamp)
    os.replace(staging, db)
    Path(str(staging) + "-shm").unlink(missing_ok=True)
    log.info("restored %s from %s (replaced file kept as %s; floors %s)", db, copy, aside, floors)
    return {"db": db, "copy": copy, "aside": aside, "floors": floors}


def _close_store(store) -> None:
    """Close every connection this thread opened on ``store`` (the last close folds its -wal in)."""
    writer = getattr(store, "_writer", None)
    if writer is not None:
        writer.close()
        store._writer = None
    store.close()


# ---------------------------------------------------------------------- commands

def register(main: click.Group) -> None:
    from .paths import default_db_path
    from .settings import DB_HELP

    @main.command("backup")
    @click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help=DB_HELP)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Where to write the copy (default: backups/NAME-DATE-TIME.sqlite beside the file).")
    def backup_command(db: Path | None, output: Path | None) -> None:
        """Copy the hub's database consistently (safe while the hub runs)."""
        db = db or default_db_path()
        problem = inspect_database(db)
        if problem:
            raise BadDatabase(f"Копия не сделана. {problem}")
        if not db.exists():
            raise BadDatabase(f"Копия не сделана: файла «{db}» нет.")
        target = output or default_backup_dir(db) / f"{db.stem}-{time.strftime('%Y-%m-%d-%H%M%S')}.sqlite"
        made = backup(db, target)
        click.echo(f"Резервная копия записана: {made} ({made.stat().st_size // 1024} КБ)")

    @main.command("restore")
    @click.argument("copy", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="SQLite file of the hub to replace " + DB_HELP[len("SQLite file of the hub "):])
    @click.option("--force", is_flag=True, help="Restore even if the current file can not be read.")
    def restore_command(copy: Path, db: Path | None, force: bool) -> None:
        """Replace the hub's database by a backup (the hub must be stopped)."""
        done = restore(copy, db or default_db_path(), force=force)
        click.echo(f"База восстановлена из копии {done['copy']}.")
        if done["aside"]:
            click.echo(f"Прежний файл сохранён как {done['aside']}.")
        for f in done["floors"]:
            letters = ", ".join(f"{k} — с {v + 1}" for k, v in f["letters"].items())
            click.echo(f"Номера талонов офиса «{f['office']}» за {f['day']} продолжатся: {letters}.")
