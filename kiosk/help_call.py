"""The visitor's call for help («Позвать сотрудника»): sent to the hub, said on screen. A part of ``KioskWindow``.
"""
from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


class HelpCall:
    """The help button's call to the hall staff (a part of ``KioskWindow``)."""

    # ------------------------------------------------------------------ help

    def ask_help(self) -> None:
        screen = self.current.name if self.current is not self.message else self.message.name
        if self.link is None or self.office is None:
            self.notice.show_notice("Не удалось позвать сотрудника",
                                    "Киоск не подключён к серверу очереди. Пожалуйста, обратитесь к "
                                    "администратору зала.", alert=True)
            self.notice_timer.start()
            return
        if self.help_sent_at is not None and time.monotonic() - self.help_sent_at < self.settings.help_repeat_s:
            self._help_sent()
            return
        self.notice.show_notice("Зовём сотрудника…", "Пожалуйста, подождите.")
        self.notice_timer.start()

        def ok(_answer) -> None:
            self.help_sent_at = time.monotonic()
            self._help_sent()

        def failed(exc: Exception) -> None:
            log.error("help request failed: %s", exc)
            self.notice.show_notice("Не удалось позвать сотрудника",
                                    "Нет связи с сервером очереди. Пожалуйста, обратитесь к администратору "
                                    "зала или к любому сотруднику.", alert=True)
            self.notice_timer.start()

        self.link.run(lambda c: c.help(self.office, screen=screen), ok, failed)

    def _help_sent(self) -> None:
        self.notice.show_notice("Сотрудник скоро подойдёт",
                                "Администратор зала получил Ваш вызов. Пожалуйста, подождите здесь, у киоска.")
        self.notice_timer.start()
        if self.idle_timer.isActive():
            self.idle_timer.start()
