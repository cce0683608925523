"""Announcing the hub on the office LAN by zeroconf (``_talon._tcp``), so a kiosk or board can
find it without typing an address. mDNS does not cross VLANs: the hub URL setting always stays."""
from __future__ import annotations

import logging
import socket

log = logging.getLogger(__name__)

SERVICE_TYPE = "_talon._tcp.local."


def local_addresses(host: str) -> list[str]:
    if host not in ("0.0.0.0", "", "::"):
        return [host]
    addresses = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addresses.add(info[4][0])
    except OSError:
        pass
    return sorted(addresses) or ["127.0.0.1"]


def announce(host: str, port: int, name: str = "Talon"):
    """Register the hub; returns a handle with ``close()``, or None if zeroconf is unavailable."""
    try:
        from zeroconf import ServiceInfo, Zeroconf
    except ImportError:
        log.info("zeroconf is not installed: the hub is not announced on the LAN")
        return None
    try:
        addresses = local_addresses(host)
        info = ServiceInfo(SERVICE_TYPE, f"{name} {socket.gethostname()}.{SERVICE_TYPE}",
                           addresses=[socket.inet_aton(a) for a in addresses], port=port,
                           properties={"path": "/api/v1", "version": "1"})
        zc = Zeroconf(interfaces=addresses)
        zc.register_service(info)
    except Exception as exc:  # a LAN without multicast must not stop the hub
        log.warning("could not announce the hub by zeroconf: %s", exc)
        return None
    log.info("hub announced as %s on %s:%d", SERVICE_TYPE, ",".join(addresses), port)

    class Handle:
        def close(self):
            try:
                zc.unregister_service(info)
            finally:
                zc.close()

    return Handle()
