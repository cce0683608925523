"""Finding the hub on the office LAN by zeroconf (``_talon._tcp``), when no address is set.

The hub announces itself (server/discovery.py). mDNS does not cross VLANs and a LAN may have
several hubs, so the address in the settings (or ``--hub``) always wins: discovery runs only
when there is none.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

SERVICE_TYPE = "_talon._tcp.local."


def discover(timeout: float = 3.0, interfaces: Sequence[str] | None = None, first: bool = True) -> list[str]:
    """Hub URLs announced on the LAN (``http://address:port``), waiting at most ``timeout`` seconds.

    With ``first`` the search stops at the first hub found. An empty list when zeroconf is
    missing, the network has no multicast, or nobody answers.
    """
    try:
        from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf
    except ImportError:
        log.info("zeroconf is not installed: the hub can not be found on the LAN")
        return []
    found: list[str] = []
    lock = threading.Lock()
    got_one = threading.Event()

    def on_change(zeroconf, service_type, name, state_change):
        if state_change is not ServiceStateChange.Added:
            return
        info = zeroconf.get_service_info(service_type, name, 1500)
        if info is None or not info.port:
            return
        addresses = [a for a in info.parsed_addresses() if ":" not in a] or info.parsed_addresses()
        with lock:
            for address in addresses:
                host = f"[{address}]" if ":" in address else address
                url = f"http://{host}:{info.port}"
                if url not in found:
                    found.append(url)
                    log.info("hub found by zeroconf: %s (%s)", url, name)
        got_one.set()

    try:
        zc = Zeroconf(interfaces=list(interfaces)) if interfaces else Zeroconf()
    except Exception as exc:  # no multicast, no network: not an error for the kiosk
        log.warning("zeroconf could not start: %s", exc)
        return []
    try:
        browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if got_one.wait(min(0.05, max(0.0, deadline - time.monotonic()))) and first:
                break
        browser.cancel()
    finally:
        zc.close()
    with lock:
        return list(found)


def hub_url(setting: str | None, timeout: float = 3.0,
            finder: Callable[[float], list[str]] | None = None) -> tuple[str | None, str]:
    """The hub to use and where it came from: ``("…", "setting")``, ``("…", "zeroconf")`` or ``(None, "none")``.

    A URL in the settings is used as it is, without looking on the LAN at all.
    """
    if setting:
        return setting.rstrip("/"), "setting"
    urls = (finder or (lambda t: discover(t)))(timeout)
    if urls:
        return urls[0], "zeroconf"
    return None, "none"
