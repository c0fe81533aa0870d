"""Client secrets: ``<key>.<secret>`` where the key finds the client and the secret, 32
random bytes, is checked against its SHA-256 (a random secret of that length needs no slow
hash: there is nothing to guess from a dictionary). Compared in constant time."""

import hashlib
import hmac
import ipaddress
import secrets

KEY_BYTES = 6
SECRET_BYTES = 32


def new_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split(token: str) -> tuple[str, str]:
    key, _, secret = (token or "").partition(".")
    return key, secret


def matches(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)


def address_allowed(address: str, allowed: str) -> bool:
    """Whether ``address`` is one of the lines of ``allowed`` (addresses or CIDR networks)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for line in allowed.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            if ip in ipaddress.ip_network(line, strict=False):
                return True
        except ValueError:
            continue
    return False
