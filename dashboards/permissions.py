"""Who reads the dashboards: the people who steer the work, i.e. the convener, the office
director and the office's clerks. The figures are counts, never a person's data, but a
unit's timeliness is the group's business, not another unit's: liaisons and everyone else
get 404."""

from django.http import Http404

from assistance.roles import Role, has_role

READERS = (Role.CONVENER, Role.OFFICE_DIRECTOR, Role.OFFICE_CLERK)


def can_read_dashboards(user) -> bool:
    return has_role(user, *READERS)


def require_reader(user) -> None:
    if not can_read_dashboards(user):
        raise Http404
