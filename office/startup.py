"""The application refuses to start against a database whose migrations are ahead of its
code: a newer release migrated it (or an older one was deployed by mistake), and this code
would misread its tables and write rows the newer one does not expect. Called where a
process starts serving: the WSGI and ASGI applications and each Celery worker."""

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader


class DatabaseAhead(ImproperlyConfigured):
    pass


def migrations_ahead(alias: str = DEFAULT_DB_ALIAS) -> list[tuple[str, str]]:
    """The migrations recorded as applied in the database that this code does not have
    (neither on disk nor replaced by a squashed migration it has), for the apps whose
    migrations it knows. Empty for a database never migrated."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return sorted(
        key
        for key in loader.applied_migrations
        if key[0] in loader.migrated_apps and key not in known
    )


def refuse_if_database_ahead(alias: str = DEFAULT_DB_ALIAS) -> None:
    ahead = migrations_ahead(alias)
    if ahead:
        names = ", ".join(f"{app}.{name}" for app, name in ahead)
        raise DatabaseAhead(
            f"The database has migrations this code does not know ({names}): it was migrated "
            "by a newer release. Deploy that release (or restore a backup taken before it); "
            "this one will not start."
        )
