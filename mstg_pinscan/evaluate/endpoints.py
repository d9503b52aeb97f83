"""Endpoints: the hosts an app talks to, with the noise removed, and who owns them.

Hosts come from URLs in the DEX strings and the resource table. XML namespaces, schema and
documentation links, and hosts that are never contacted (examples, loopback) are dropped.
A host is first-party when its registrable domain (by the Public Suffix List) is the app's
own, from the package name, from ``--first-party``, or from a domain the app pins or
configures itself.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

# Hosts that appear in strings but are never endpoints: namespaces, schemas, documentation,
# licences, URL shorteners in log messages, and the reserved example domains (RFC 2606).
_NOISE_HOSTS = {
    "schemas.android.com", "www.w3.org", "w3.org", "xmlpull.org", "www.xmlpull.org",
    "ns.adobe.com", "purl.org", "xml.org", "www.xml.org", "xml.apache.org", "apache.org",
    "www.apache.org", "json-schema.org", "schema.org", "www.slf4j.org", "netty.io",
    "www.eclipse.org", "developer.android.com", "source.android.com", "github.com",
    "square.github.io", "tools.ietf.org", "datatracker.ietf.org", "www.ietf.org",
    "www.rfc-editor.org", "stackoverflow.com", "docs.oracle.com", "java.sun.com",
    "issuetracker.google.com", "goo.gl", "g.co", "bit.ly", "www.mozilla.org",
    "publicsuffix.org", "www.unicode.org", "unicode.org", "creativecommons.org",
    "www.gnu.org", "opensource.org", "www.opensource.org", "ns.google.com",
    "example.com", "example.org", "example.net", "www.example.com", "www.example.org",
}
_NOISE_SUFFIXES = (".w3.org", ".apache.org", ".android.com", ".example.com", ".example.org",
                   ".example.net")
_DOC_PATHS = ("/licenses/", "/licences/", "/docs/", "/wiki/", "/documentation/", ".dtd", ".xsd")


@dataclass(frozen=True)
class Endpoint:
    """A host the app contacts, and where its URLs were found."""

    host: str
    sources: tuple[str, ...]


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def registrable_domain(host: str) -> str | None:
    """The domain a registrant controls (``api.example.co.uk`` -> ``example.co.uk``)."""
    if _is_ip(host):
        return None
    return _psl().privatesuffix(host.lower().rstrip("."))


def is_public_suffix(host: str) -> bool:
    """True for a public suffix itself (``co.uk``, ``github.io``)."""
    return _psl().is_public(host.lower().rstrip("."))


def endpoints(urls: Iterable[tuple[str, str]]) -> list[Endpoint]:
    """Hosts from (url, where-found) pairs, noise removed, sorted."""
    found: dict[str, set[str]] = {}
    for url, source in urls:
        host = _host(url)
        if host is None or _is_noise(host, url):
            continue
        found.setdefault(host, set()).add(source)
    return [Endpoint(host, tuple(sorted(sources))) for host, sources in sorted(found.items())]


def app_domains(package: str | None, extra: Iterable[str]) -> set[str]:
    """Registrable domains the app owns: from ``--first-party`` and from its package name."""
    owned = {d.lower().strip(".") for d in extra if d.strip(".")}
    if package and "." in package:
        reversed_name = ".".join(reversed(package.split(".")))
        domain = registrable_domain(reversed_name)
        if domain and not domain.startswith(("android.", "google.")):
            owned.add(domain)
    return owned


def is_first_party(host: str, owned: set[str]) -> bool:
    """True when ``host`` is, or is under, one of the ``owned`` domains."""
    pattern_free = host.lstrip("*.")
    domain = registrable_domain(pattern_free) or pattern_free
    return any(pattern_free == d or pattern_free.endswith("." + d) or domain == d for d in owned)


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host or "%" in host or host.startswith(".") or ".." in host:
        return None
    host = host.lower().rstrip(".")
    if "." not in host and host != "localhost":
        return None
    return host


def _is_noise(host: str, url: str) -> bool:
    if host in _NOISE_HOSTS or host.endswith(_NOISE_SUFFIXES):
        return True
    path = urlsplit(url).path.lower()
    if any(marker in path for marker in _DOC_PATHS) or path.rstrip("/").endswith(
        ("/license", "/licence", "/license.txt", "/licence.txt")
    ):
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if _is_ip(host):
        address = ipaddress.ip_address(host)
        return address.is_loopback or address.is_unspecified or address.is_link_local
    return registrable_domain(host) is None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
