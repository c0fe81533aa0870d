"""Walk the hash chains of the access log and the login log and say whether every entry
is as it was written, and if not, where and how the chain breaks.

    manage.py verify_log_chain            # both logs
    manage.py verify_log_chain --log login

Exits 0 when every chain holds, 1 on any break. Reads in primary-key order with a
server-side cursor, so memory stays flat however long the logs are.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from assistance.logchain import GENESIS, entry_digest
from assistance.models import AccessLog, LoginLog

LOGS = {"access": AccessLog, "login": LoginLog}
# Past this many breaks in one log, the rest are counted, not listed.
MAX_LISTED = 20


def verify_chain(model, *, chunk_size: int = 2000):
    """Yield ``(entry, problem)`` for every break in ``model``'s chain; return (via
    StopIteration.value) the number of entries read. ``problem`` is one of
    ``altered`` (the entry's fields no longer give its hash), ``missing`` (the entry does
    not follow the one before it, and ids are missing between them) or ``broken`` (it
    does not follow the one before it, with no id missing)."""
    optional = getattr(model, "OPTIONAL_CHAIN_FIELDS", ())
    fields = ["pk", "prev_hash", "entry_hash", *model.CHAIN_FIELDS, *optional]
    expected_prev, prev_pk, count = GENESIS, None, 0
    # .values() rather than instances: no model machinery per row, and the same values.
    rows = model._base_manager.order_by("pk").values(*fields).iterator(chunk_size=chunk_size)
    for row in rows:
        count += 1
        values = {name: row[name] for name in model.CHAIN_FIELDS}
        values.update({name: row[name] for name in optional if row[name] is not None})
        if row["prev_hash"] != expected_prev:
            gap = row["pk"] != (prev_pk + 1 if prev_pk is not None else 1)
            yield row, prev_pk, ("missing" if gap else "broken")
        if entry_digest(values, row["prev_hash"]) != row["entry_hash"]:
            yield row, prev_pk, "altered"
        # Carry on from what is stored, so one break is reported once, not at every entry
        # after it.
        expected_prev, prev_pk = row["entry_hash"], row["pk"]
    return count


class Command(BaseCommand):
    help = "Verify the hash chains of the access log and the login log."

    def add_arguments(self, parser):
        parser.add_argument("--log", choices=sorted(LOGS), help="Only this log (default: both).")

    def handle(self, *args, log=None, **options):
        breaks = 0
        for name, model in LOGS.items():
            if log and name != log:
                continue
            table = model._meta.db_table
            found = 0
            walk = verify_chain(model)
            while True:
                try:
                    row, prev_pk, problem = next(walk)
                except StopIteration as done:
                    count = done.value
                    break
                found += 1
                if found <= MAX_LISTED:
                    self.stderr.write(self._describe(table, row, prev_pk, problem))
            breaks += found
            if found:
                self.stderr.write(f"{table}: {count} entries read, {found} break(s).")
            else:
                self.stdout.write(f"{table}: {count} entries verified, chain intact.")
        if breaks:
            raise CommandError(f"The log chain is broken in {breaks} place(s).", returncode=1)

    @staticmethod
    def _describe(table, row, prev_pk, problem) -> str:
        at = row["at"]
        when = at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "?"
        where = f"{table} entry {row['pk']} ({when})"
        if problem == "altered":
            return f"BREAK {where}: content altered (its fields no longer match its hash)"
        if problem == "missing":
            after = f"after entry {prev_pk}" if prev_pk is not None else "at the start"
            return (
                f"BREAK {where}: entry missing {after} (ids between them are gone and the "
                "link does not match)"
            )
        return (
            f"BREAK {where}: link broken (it does not follow entry {prev_pk}: that entry or "
            "the link was changed)"
        )
