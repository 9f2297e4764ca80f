"""Is a tracking server reachable? A quick look before a client library waits a minute to say so.

Tracking clients (W&B, MLflow) retry for tens of seconds before failing, and then blame the run
("no run with id ...") or their own service process. :func:`check_reachable` opens one TCP
connection with a short timeout and says which of the two usual causes it is: an unknown host
or a server that does not answer. Behind an HTTP proxy the probe is skipped (the proxy, not the
server, is what a client reaches).
"""

from __future__ import annotations

import os
import socket
import threading
from urllib.parse import urlsplit

from .._text import redact
from ..errors import InputError

CONNECT_TIMEOUT = 3.0  # seconds: a live server on a working network answers in well under this
_PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy",
                    "ALL_PROXY")


def check_reachable(url: str, what: str, *, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise an InputError naming ``what`` (such as 'the MLflow server') if ``url``'s host
    cannot be resolved or does not accept a connection within ``timeout`` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return
    if any(os.environ.get(name) for name in _PROXY_VARIABLES):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputError(f"{redact(url)}: not a valid server address (bad port)") from None
    shown = f"cannot reach {what} at {redact(url)}"
    addresses = _resolve(parts.hostname, port, timeout)
    if addresses is None:
        raise InputError(f"{shown}: looking up '{parts.hostname}' took over {timeout:g} s "
                         f"(no network?)")
    if isinstance(addresses, OSError):
        raise InputError(f"{shown}: the host '{parts.hostname}' is not known "
                         f"(DNS lookup failed; no network, or a typo?)")
    error = None
    for family, kind, protocol, _, address in addresses:
        try:
            with socket.socket(family, kind, protocol) as probe:
                probe.settimeout(timeout)
                probe.connect(address)
            return
        except TimeoutError:
            error = f"no answer within {timeout:g} s"
        except OSError as exc:
            error = exc.strerror or type(exc).__name__
    raise InputError(f"{shown} ({(error or 'no address').lower()})")


def _resolve(host: str, port: int, timeout: float):
    """getaddrinfo's answer, its OSError, or None when it takes longer than ``timeout``."""
    answer: list = []

    def look_up():
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            answer.append(exc)

    thread = threading.Thread(target=look_up, daemon=True)
    thread.start()
    thread.join(timeout)
    return answer[0] if answer else None
