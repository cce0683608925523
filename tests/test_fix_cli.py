"""Issue 14, the commands: what a newcomer trips over at the terminal (each point its own test)."""
import os
import socket
import sqlite3
import subprocess
import sys

import pytest
from support import ROOT


def talon(*args, cwd=ROOT, env=None, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    env.pop("TALON_DB", None)
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.mark.parametrize("command, option", [("kiosk", "--portrait"), ("console", "--window"),
                                             ("board", "--no-sound")])
def test_client_help_lists_the_apps_real_options(command, option):
    out = talon(command, "--help")
    assert out.returncode == 0, out.stderr
    assert f"talon {command}" in out.stdout and option in out.stdout, out.stdout


def test_office_import_counts_in_russian_plurals(tmp_path):
    db = tmp_path / "t.sqlite"
    one = tmp_path / "one.toml"
    one.write_text("""
[office]
id = "o1"
name = "Офис"
profile = "yutek-2025"
[office.schedule.week]
mon = { open = "08:00", close = "17:00" }
[[services]]
id = "consult"
letter = "А"
name = "Консультация"
[[windows]]
number = 1
services = { consult = 2 }
[[users]]
login = "tech1"
name = "Техник Иванов"
password = "secret-1"
roles = ["operator"]
""", encoding="utf-8")
    out = talon("office", "import", "--db", str(db), str(one))
    assert out.returncode == 0, out.stderr
    assert "1 услуга, 1 окно, 1 пользователь" in out.stdout, out.stdout


def test_the_example_office_file_imports(tmp_path):
    db = tmp_path / "t.sqlite"
    example = ROOT / "examples" / "office.toml"
    assert talon("init", "--db", str(db)).returncode == 0
    out = talon("office", "import", "--db", str(db), str(example))
    assert out.returncode == 0, out.stderr
    assert "3 услуги, 3 окна, 3 пользователя" in out.stdout, out.stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT profile FROM offices WHERE id = 'lenina-1'").fetchone() == ("rosatom-2026",)
    assert con.execute("SELECT count(*) FROM windows WHERE office = 'lenina-1'").fetchone() == (3,)


def test_init_without_demo_says_what_to_do_next(tmp_path):
    db = tmp_path / "t.sqlite"
    out = talon("init", "--db", str(db))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Что дальше" in text
    assert f"talon office import --db {db}" in text and "examples/office.toml" in text
    assert f"talon hub --db {db}" in text and "--demo" in text


def test_hub_on_a_busy_port_says_one_russian_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        out = talon("hub", "--db", str(tmp_path / "h.sqlite"), "--host", "127.0.0.1", "--port", str(port),
                    "--no-announce", timeout=60)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr + out.stdout, out.stderr
    own = [line for line in out.stderr.splitlines() if " INFO " not in line and " WARNING " not in line]
    assert own == [f"Порт {port} уже занят другой программой (может быть, хаб уже запущен). "
                   f"Остановите её или укажите другой порт: talon hub --port {port + 1}"], out.stderr


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """A folder where only the demo has run: var/demo.sqlite, no var/talon.sqlite."""
    d = tmp_path_factory.mktemp("office")
    out = talon("init", "--db", str(d / "var" / "demo.sqlite"), "--demo")
    assert out.returncode == 0, out.stderr
    return d


def test_report_finds_the_demos_database(demo_dir):
    out = talon("report", "daily", "--date", "2026-11-23", "--format", "json", cwd=demo_dir)
    assert out.returncode == 0, out.stderr
    assert "var/demo.sqlite" in out.stderr or "var\\demo.sqlite" in out.stderr
    assert '"office"' in out.stdout


def test_report_without_any_database_says_where_it_looks(tmp_path):
    out = talon("report", "daily", "--date", "2026-11-23", cwd=tmp_path)
    assert out.returncode != 0
    assert "--db" in out.stderr and "demo.sqlite" in out.stderr, out.stderr


def test_a_pdf_report_does_not_flood_the_terminal(demo_dir):
    pdf = demo_dir / "day.pdf"
    out = talon("report", "daily", "--date", "2026-11-23", "-o", str(pdf), cwd=demo_dir)
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "fontTools" not in out.stderr, out.stderr[:2000]
    assert len(out.stderr.splitlines()) <= 3, out.stderr
    # with -v the detail is still there for whoever asks for it
    verbose = talon("-v", "report", "daily", "--date", "2026-11-23", "-o", str(pdf), cwd=demo_dir)
    assert verbose.returncode == 0 and "fontTools" in verbose.stderr
