"""Where a webhook may be sent, and sending it there.

An endpoint's address is checked when it is saved and again before every attempt, against the
addresses its host name resolves to at that moment (a name may be made to point elsewhere after
it was saved):

- in production: ``https`` only, and every address the name resolves to must be on the public
  internet, never the board's own network (loopback, private ranges, link-local cloud metadata,
  carrier-grade NAT, multicast, reserved);
- in development and testing, also ``http`` or ``https`` to loopback (a receiver on the same
  machine). Other private addresses stay refused.

The request then goes to the very address that was checked (the connection is pinned to it; TLS
still verifies the certificate for the host name), without following redirects, so the check
cannot be sidestepped between resolving and connecting.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from flask import current_app

from jobboard.core.errors import DomainError
from jobboard.i18n import lazy_gettext as _l

CONNECT_SECONDS = 5.0
READ_SECONDS = 10.0
KEPT_ANSWER_BYTES = 2000


class RefusedAddress(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="url")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


def _is_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        return (str(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedAddress(str(_l("This host name could not be found."))) from None
    return tuple(dict.fromkeys(str(info[4][0]) for info in found))


def check(url: str) -> Target:
    """The checked target of ``url``, or ``RefusedAddress`` saying why it may not be used."""
    production = current_app.config["JOBBOARD_ENV"] == "production"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RefusedAddress(str(_l("Enter a valid address, starting with https://."))) from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise RefusedAddress(str(_l("Enter a valid address, starting with https://.")))
    addresses = _resolve(host, port or 443)
    parsed = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    all_loopback = all(a.is_loopback for a in parsed)
    if parts.scheme == "http" and (production or not all_loopback):
        raise RefusedAddress(str(_l("The address must start with https://.")))
    if not all(_is_allowed(a, allow_loopback=not production) for a in parsed):
        raise RefusedAddress(str(_l("This address leads into a private network; use a public address.")))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, host, port or default_port, path, addresses)


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to the checked address (raises ``urllib3`` errors when it cannot connect)."""
    address = target.addresses[0]
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, target.port, server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED"
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    with pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header, "Content-Type": "application/json", "User-Agent": "jobboard"},
            retries=False,
            redirect=False,
            timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
            preload_content=False,
        )
        try:
            text = response.read(KEPT_ANSWER_BYTES).decode("utf-8", "replace")
        finally:
            response.release_conn()
    return Answer(response.status, text)
