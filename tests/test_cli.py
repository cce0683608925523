"""The talon command: init, office import (good and bad files)."""
import sqlite3
import subprocess
import sys

from support import ROOT


def talon(*args):
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True)


OFFICE = """
[office]
id = "yutek-1"
name = "ЮТЭК, офис на Мира"
profile = "yutek-2025"
[office.schedule]
tz = "Asia/Yekaterinburg"
[office.schedule.week]
mon = { open = "08:00", close = "17:00", break = ["12:00", "13:00"] }

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
"""


def test_init_and_import_an_office_file(tmp_path):
    db = tmp_path / "t.sqlite"
    out = talon("init", "--db", str(db), "--demo")
    assert out.returncode == 0 and "op1" in out.stdout and "ключ киоска" in out.stdout
    f = tmp_path / "office.toml"
    f.write_text(OFFICE, encoding="utf-8")
    out = talon("office", "import", "--db", str(db), str(f))
    assert out.returncode == 0, out.stderr
    assert "yutek-1" in out.stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT profile FROM offices WHERE id = 'yutek-1'").fetchone() == ("yutek-2025",)
    assert con.execute("SELECT count(*) FROM windows WHERE office = 'yutek-1'").fetchone() == (1,)
    # importing again updates, it does not duplicate
    assert talon("office", "import", "--db", str(db), str(f)).returncode == 0
    assert con.execute("SELECT count(*) FROM windows WHERE office = 'yutek-1'").fetchone() == (1,)


def test_a_bad_office_file_is_refused_and_changes_nothing(tmp_path):
    db = tmp_path / "t.sqlite"
    talon("init", "--db", str(db))
    f = tmp_path / "bad.toml"
    f.write_text(OFFICE.replace('profile = "yutek-2025"', 'profile = "nobody"'), encoding="utf-8")
    out = talon("office", "import", "--db", str(db), str(f))
    assert out.returncode != 0 and "Файл не принят" in out.stderr
    f.write_text(OFFICE.replace('open = "08:00"', 'open = "18:00"'), encoding="utf-8")
    out = talon("office", "import", "--db", str(db), str(f))
    assert out.returncode != 0 and "Файл не принят" in out.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM offices").fetchone() == (0,)


def test_tokens_never_start_with_a_dash_so_they_can_follow_key_on_a_command_line():
    from server.auth import new_token

    tokens = [new_token() for _ in range(3000)]   # about 1 in 64 random ones would start with «-»
    assert not any(t.startswith("-") for t in tokens)
    assert len(set(tokens)) == len(tokens) and min(map(len, tokens)) >= 43
