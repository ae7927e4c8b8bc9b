"""Which address a request comes from, when proxies stand in front: FRONTLINE_TRUSTED_PROXIES and the
forwarding headers (RFC 7239 Forwarded, else X-Forwarded-For), believed only from a trusted proxy."""
from __future__ import annotations

import ipaddress


def parse_proxies(value: str) -> list:
    """FRONTLINE_TRUSTED_PROXIES: comma-separated addresses or networks ("127.0.0.1, 10.0.0.0/8")."""
    out = []
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if part:
            out.append(ipaddress.ip_network(part, strict=False))
    return out


def _in(addr: str, nets: list) -> bool:
    try:
        a = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(a in n for n in nets)


def _forwarded_for(headers) -> list[str]:
    """Addresses a proxy chain reports, leftmost (the original client) first: RFC 7239 Forwarded, else X-Forwarded-For."""
    fwd = headers.get("forwarded")
    if fwd:
        out = []
        for element in fwd.split(","):
            for pair in element.split(";"):
                k, _, v = pair.strip().partition("=")
                if k.strip().lower() == "for":
                    v = v.strip().strip('"')
                    if v.startswith("["):  # [2001:db8::1]:port
                        v = v[1:v.find("]")]
                    elif v.count(":") == 1:  # 192.0.2.1:port
                        v = v.split(":")[0]
                    out.append(v)
        return out
    xff = headers.get("x-forwarded-for")
    return [p.strip() for p in xff.split(",") if p.strip()] if xff else []


def client_address(peer: str | None, headers, trusted: list) -> str:
    """The address sign-in throttling counts. Forwarding headers are believed only when the peer is a trusted
    proxy (anyone else could write any address there and dodge the limit); walking the chain from the right,
    the first address that is not a trusted proxy is the client."""
    peer = peer or "?"
    if not trusted or not _in(peer, trusted):
        return peer
    chain = _forwarded_for(headers)
    for addr in reversed(chain):
        if not _in(addr, trusted):
            try:
                return str(ipaddress.ip_address(addr))
            except ValueError:
                return peer  # a garbled header: count the proxy itself rather than a made-up name
    return chain[0] if chain else peer
