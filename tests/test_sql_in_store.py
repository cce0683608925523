"""The store owns the hub's SQL (issue 15 point 4): the route modules (server/api/, server/web/,
server/auth.py and the reports' and the plan's routes) call store functions named in the
domain's words (server/store/); no SQL text and no ``execute`` on a connection in them.

Read with ``ast``: a string (or f-string) that starts like an SQL statement is SQL wherever it
sits; so is any call of ``.executemany``/``.executescript``, and ``.query``/``.one``/``.execute``
given a literal string."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Route modules still holding SQL, each with the reason. Empty it, do not grow it.
ALLOWED: set[str] = set()  # none left: the visitor page's SQL is in server/store/visitor.py

SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WITH)\s")


def route_modules() -> list[Path]:
    mods = sorted((ROOT / "server" / "api").glob("*.py")) + sorted((ROOT / "server" / "web").glob("*.py"))
    mods += [ROOT / "server" / "auth.py", ROOT / "server" / "planning" / "routes.py",
             ROOT / "server" / "reports" / "routes.py"]
    return [m for m in mods if m.exists()]


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def sql_in(source: str) -> list[tuple[int, str]]:
    """(line, what) for each piece of SQL in a module's source."""
    found = []
    tree = ast.parse(source)
    inside_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    docstrings = {id(n.value) for n in ast.walk(tree)  # words, not statements
                  if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    for node in ast.walk(tree):
        if id(node) in inside_fstring or id(node) in docstrings:
            continue
        text = _text(node)
        if text is not None and SQL.match(text):
            found.append((node.lineno, text.strip()[:60]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            literal = bool(node.args) and _text(node.args[0]) is not None
            if name in ("executemany", "executescript") or (name in ("query", "one", "execute") and literal):
                found.append((node.lineno, f".{name}(...)"))
    return sorted(found)


def test_the_checker_finds_sql_in_every_form():
    src = '''
def a(store, conn, office):
    store.one("SELECT 1 FROM devices WHERE office = ?", (office,))
    conn.execute(f"PRAGMA busy_timeout={1000}")
    conn.executemany(sql, rows)
    q = ("  UPDATE tickets SET state = ? "
         "WHERE id = ?")
    store.query(q)
    hub.execute(office, lambda hall, now: hall.issue("consult", now))  # a core command, not SQL
'''
    found = sql_in(src)
    assert [line for line, _ in found] == [3, 3, 4, 4, 5, 6], found


def test_no_sql_in_the_route_modules():
    offenders = {}
    for path in route_modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        found = sql_in(path.read_text(encoding="utf-8"))
        if found:
            offenders[rel] = found
    assert not offenders, f"SQL belongs in a store function under server/store/: {offenders}"


def test_the_allowed_list_is_still_needed():
    # a module cleared of SQL leaves the list, so the list only ever shrinks
    for rel in ALLOWED:
        assert sql_in((ROOT / rel).read_text(encoding="utf-8")), f"{rel} has no SQL now: take it off ALLOWED"


def test_one_accessor_for_the_hub():
    # issue 15 point 4: no module keeps its own copy of a ``_hub()`` that reads the app's config
    copies = []
    for path in route_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in ("_hub", "hub"):
                copies.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    rel = {c.split(":")[0] for c in copies}
    assert rel <= ALLOWED, copies
