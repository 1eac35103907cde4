"""Where a webhook may be sent (SSRF guard).

A subscription URL must be http(s), and every address its host resolves to must be a
public one: loopback, private, link-local, multicast, reserved and unspecified addresses
are refused unless WEBHOOK_ALLOWED_HOSTS names the host (or a network holding the
address). The check runs when a subscription is saved and again before each attempt, and
the attempt connects to the address that was checked (no second DNS answer can swap in
an internal one).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(ValueError):
    """The URL is not one webhooks may be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address to connect to


def _allowed(host: str, address: Address) -> bool:
    for entry in settings.WEBHOOK_ALLOWED_HOSTS:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(f"The host {host!r} does not resolve ({exc}).") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_url(url: str) -> Target:
    """Return where to connect for `url`, or raise UrlRefused saying why not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("Webhook URLs must start with http:// or https://.")
    host = parts.hostname or ""
    if not host:
        raise UrlRefused("The URL has no host.")
    if parts.username or parts.password:
        raise UrlRefused("Credentials in the URL are not accepted; the signature is the proof.")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    refused = [a for a in addresses if _internal(a) and not _allowed(host, a)]
    if refused or not addresses:
        raise UrlRefused(
            f"The host {host!r} resolves to {refused[0] if refused else 'nothing'}, a "
            "loopback, private or link-local address; webhooks go to public addresses "
            "only (WEBHOOK_ALLOWED_HOSTS lists exceptions)."
        )
    return Target(scheme=parts.scheme, host=host, port=port, address=str(addresses[0]))
