"""``talon console --hub URL [--window N]``: the operator console at one window.

Options:
  --hub URL        the hub (default: $TALON_HUB or http://127.0.0.1:8470)
  --window N       the window's number as on its sign (asked after sign-in when not given)
  --office ID      the office (default: the user's office, else the hub's first)
  --login LOGIN    fill in the login; with --pin (or $TALON_CONSOLE_PIN) sign in at once (demo stands)
  --fullscreen     take the whole screen (a console at a window usually does)
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

log = logging.getLogger(__name__)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="talon console", description="Пульт оператора электронной очереди «Талон»")
    p.add_argument("--hub", default=os.environ.get("TALON_HUB", "http://127.0.0.1:8470"),
                   help="адрес сервера очереди")
    p.add_argument("--window", type=int, default=None, help="номер окна, как на табличке")
    p.add_argument("--office", default=None, help="офис (по умолчанию — офис пользователя)")
    p.add_argument("--login", default=None, help="логин оператора (подставляется в форму входа)")
    p.add_argument("--pin", default=os.environ.get("TALON_CONSOLE_PIN"),
                   help="PIN-код: войти сразу (для демонстрации)")
    p.add_argument("--fullscreen", action="store_true", help="на весь экран")
    p.add_argument("--size", default="1366x768", help="размер окна, например 1920x1080")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from PySide6.QtWidgets import QApplication

    from .console import ConsoleWindow

    app = QApplication.instance() or QApplication(["talon-console"])
    app.setApplicationName("Талон — пульт оператора")
    console = ConsoleWindow(args.hub, window_number=args.window, office=args.office, login=args.login)
    try:
        width, height = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        width, height = 1366, 768
    console.resize(width, height)
    if args.fullscreen:
        console.showFullScreen()
    else:
        console.show()
    if args.login and args.pin:
        console.sign_in(args.login, args.pin, True)
    code = app.exec()
    console.shutdown()
    return int(code)


if __name__ == "__main__":  # python -m operator_console.app
    sys.exit(main())
