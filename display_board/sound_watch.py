"""The board's heartbeat and its sound: a fault (no device, a playback error) is shown to the hall and
reported to the hub as a «sound» incident, closed again when sound comes back. A part of ``BoardApp``.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from hub_client import HubClient, HubError, HubUnavailable

from .announcer import Announcement

log = logging.getLogger(__name__)

SOUND_NOTE = "Звуковое оповещение временно не работает — пожалуйста, следите за табло"


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("talon-queue")[:40]
    except Exception:  # noqa: BLE001
        return "dev"


class SoundWatch:
    """The heartbeat and the «sound» incident (a part of ``BoardApp``)."""

    # --- heartbeat and sound incidents ------------------------------------------------------

    def _heartbeat_body(self) -> dict:
        body: dict[str, Any] = {"version": _version()}
        if self._sound_state is not None:
            body["sound"] = dict(self._sound_state)
        return body

    def _heartbeat(self) -> None:
        body = self._heartbeat_body()

        def call(client: HubClient) -> None:
            sent = time.time()
            answer = client.heartbeat(**body)
            self.clock.sync(answer["now"], sent, time.time())
            self._report_incident(client)
        self.hub.run(call, None, lambda exc: log.warning("heartbeat failed: %s", exc))

    def _report_incident(self, client: HubClient) -> None:
        """In the hub worker: make the hub's «sound» incident match what we know."""
        wanted, detail = self._incident_wanted, self._incident_detail
        if wanted == self._incident_open:
            return
        try:
            client.incident("sound", "open" if wanted else "closed", detail[:500])
        except (HubError, HubUnavailable) as exc:
            log.warning("could not report the sound incident (will retry with the heartbeat): %s", exc)
            return
        self._incident_open = wanted
        log.info("sound incident %s at the hub", "opened" if wanted else "closed")

    def _check_sound_device(self) -> None:
        if not self.sound_enabled or self._audio_outputs is None:
            return
        try:
            outputs = list(self._audio_outputs())
        except Exception as exc:  # noqa: BLE001
            outputs = []
            log.debug("could not list audio outputs: %s", exc)
        if not outputs:
            self._sound_fault("no_device", "нет устройства вывода звука (колонки не подключены или выключены)")
        elif not self.sound_ok and self._sound_state and self._sound_state.get("state") == "no_device":
            log.info("an audio output appeared: %s", getattr(outputs[0], "description", lambda: "?")())
            self._sound_back()

    def _on_announced(self, item: Announcement) -> None:
        if self._closed:
            return
        if item.outcome in ("no-sound", "player-error"):
            state = "no_device" if item.outcome == "no-sound" else "error"
            detail = ("нет устройства вывода звука" if state == "no_device"
                      else "ошибка воспроизведения звука")
            self._sound_fault(state, f"{detail}: вызов {item.code} не прозвучал")
        elif item.outcome == "played":
            self._sound_back()

    def _sound_fault(self, state: str, detail: str) -> None:
        first = self.sound_ok
        self.sound_ok = False
        self._sound_state = {"state": state, "detail": detail[:300]}
        self._incident_wanted, self._incident_detail = True, detail
        if first:
            log.error("SOUND FAULT: %s — the board keeps showing and flashing calls", detail)
            self.window.set_note("sound", SOUND_NOTE)
            if self.state.loaded:
                self.window.show_state(self.state)   # the empty board's hint no longer promises sound
            self.sound_changed.emit(False)
            self._heartbeat()

    def _sound_back(self) -> None:
        if self.sound_ok:
            return
        self.sound_ok = True
        self._sound_state = {"state": "ok"}
        self._incident_wanted, self._incident_detail = False, ""
        log.info("sound works again")
        self.window.set_note("sound", None)
        if self.state.loaded:
            self.window.show_state(self.state)
        self.sound_changed.emit(True)
        self._heartbeat()
