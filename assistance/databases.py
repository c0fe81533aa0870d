"""A ``DATABASE_URL`` for a database on the server, and as the user, of a connection's
settings: for processes started beside this one (benchmark and test workers, pg_dump)."""

from urllib.parse import quote


def database_url(settings_dict, name: str | None = None) -> str:
    """A DATABASE_URL for database ``name`` on the server and as the user of
    ``settings_dict``, for the worker processes."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "localhost", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(name or settings_dict['NAME'], safe='')}"
