"""``talon board --hub URL [--key KEY] [--portrait]``: the command that starts the hall board.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

from hub_client import HubClient, HubError, HubUnavailable
from hub_client.device_files import config_dir

from .announcer import AnnouncerSettings
from .app import BoardApp
from .board import LANDSCAPE, PORTRAIT

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="talon board", description="Табло в зале: вызовы талонов со звуком.")
    p.add_argument("--hub", required=True, help="адрес сервера очереди, например http://192.168.1.10:8470")
    p.add_argument("--key", default=os.environ.get("TALON_BOARD_KEY"),
                   help="ключ табло (выдаёт администратор; по умолчанию $TALON_BOARD_KEY)")
    p.add_argument("--pair", metavar="CODE",
                   help="шестизначный код привязки со стойки администратора: табло получит свой ключ "
                        "и запомнит его")
    p.add_argument("--key-file", type=Path, default=None,
                   help="где табло хранит свой ключ (по умолчанию board.key в папке настроек Talon)")
    p.add_argument("--office", help="офис (по умолчанию — офис, к которому привязан ключ)")
    layout = p.add_mutually_exclusive_group()
    layout.add_argument("--portrait", action="store_true", help="вертикальный экран 1080×1920")
    layout.add_argument("--landscape", action="store_true", help="горизонтальный экран 1920×1080")
    p.add_argument("--no-waiting", action="store_true", help="не показывать, сколько человек ожидает")
    p.add_argument("--no-sound", action="store_true", help="без звука (второе табло в том же зале)")
    p.add_argument("--volume", type=float, default=0.8, help="громкость 0…1 (0.8)")
    p.add_argument("--max-age", type=float, default=60.0,
                   help="вызовы старше стольких секунд не объявляются (после обрыва связи)")
    p.add_argument("--cache-dir", type=Path, help="папка для готовых фраз")
    p.add_argument("--windowed", action="store_true", help="в окне, а не во весь экран")
    p.add_argument("--size", default="", help="размер окна ШxВ, например 1080x1920 (с --windowed)")
    p.add_argument("--screen", type=int, default=None, help="номер экрана (0, 1, …)")
    p.add_argument("--screenshot", type=Path,
                   help="сохранить снимок табло в PNG и выйти (проверка на месте, документация)")
    return p.parse_args(list(argv))


def pair_board(hub_url: str, code: str, key_file: Path) -> str:
    """Exchange the stand's one-time code for this board's key and keep the key in ``key_file``."""
    result = HubClient(hub_url).pair(code.strip())
    if result.get("kind") not in (None, "board"):
        raise HubError(400, "wrong_device", "Этот код выдан не для табло, а для киоска")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(result["token"] + "\n", encoding="utf-8")
    return result["token"]


def _say(text: str) -> None:
    """A message for the person starting the board (the command line, not the log)."""
    sys.stderr.write(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    key_file = args.key_file or config_dir() / "board.key"
    if args.pair:
        try:
            args.key = pair_board(args.hub, args.pair, key_file)
        except (HubError, HubUnavailable) as exc:
            _say(f"Привязать табло не удалось: {getattr(exc, 'message', exc)}")
            return 2
        _say(f"Табло привязано; ключ сохранён в {key_file}")
    if not args.key and key_file.exists():
        args.key = key_file.read_text(encoding="utf-8").strip() or None
    if not args.key:
        _say("Нужен ключ табло: --pair КОД (код выдаёт стойка администратора, раздел «Устройства») "
             "или --key КЛЮЧ (демо: «ключ табло» из `talon init --demo`).")
        return 2
    try:
        settings = AnnouncerSettings(volume=args.volume, max_age_s=args.max_age)
    except ValueError as exc:
        _say(f"Неверная настройка звука: {exc}")
        return 2

    from PySide6.QtGui import QKeySequence, QShortcut
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    orientation = PORTRAIT if args.portrait else LANDSCAPE if args.landscape else "auto"
    board = BoardApp(args.hub, args.key, args.office, orientation=orientation,
                     show_waiting=not args.no_waiting, sound=not (args.no_sound or args.screenshot),
                     settings=settings,
                     cache_dir=args.cache_dir)
    window = board.window
    quit_key = QShortcut(QKeySequence("Ctrl+Q"), window)   # for the staff; the hall has no keyboard
    quit_key.activated.connect(app.quit)
    screens = app.screens()
    if args.screen is not None and 0 <= args.screen < len(screens):
        window.setScreen(screens[args.screen])
        window.move(screens[args.screen].geometry().topLeft())
    if args.size:
        try:
            w, h = (int(x) for x in args.size.lower().split("x"))
            window.resize(w, h)
        except ValueError:
            _say(f"Неверный размер окна: {args.size} (нужно, например, 1920x1080)")
            return 2
    elif args.portrait and (args.windowed or args.screenshot):
        window.resize(1080, 1920)
    if args.screenshot:
        def shoot() -> None:
            window.grab().save(str(args.screenshot))
            log.info("screenshot saved to %s", args.screenshot)
            app.quit()
        board.loaded.connect(lambda: QTimer.singleShot(500, shoot))
        QTimer.singleShot(20_000, app.quit)
        window.show()
    elif args.windowed:
        window.show()
    else:
        window.setCursor(Qt.CursorShape.BlankCursor)
        window.showFullScreen()
    board.start()
    try:
        return app.exec()
    finally:
        board.stop()


if __name__ == "__main__":
    sys.exit(main())
