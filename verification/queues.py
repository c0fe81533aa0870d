"""Which department queues a worker consumes.

A worker started with ``VERIFY_QUEUES=all`` consumes every active unit's queue, read from
the database when it starts; a list of unit codes (``VERIFY_QUEUES=hc-police,hc-tax``)
limits it to those (``office/worker.py`` adds them at start). A unit added in the admin
needs no code change: its queue is named from its code, and workers started with ``all``
pick it up at their next start. Until then its checks wait in its queue, and nothing is
lost.
"""

from members.models import MemberUnit


def queues_for(spec: str) -> list[str]:
    """Queue names for a spec: 'all', or comma-separated unit codes."""
    units = MemberUnit.objects.filter(active=True)
    spec = spec.strip()
    if spec and spec != "all":
        codes = [code.strip() for code in spec.split(",") if code.strip()]
        units = units.filter(code__in=codes)
        unknown = set(codes) - set(units.values_list("code", flat=True))
        if unknown:
            raise ValueError(f"No active unit has the code(s): {', '.join(sorted(unknown))}")
    return [f"verify.{code}" for code in units.order_by("code").values_list("code", flat=True)]
