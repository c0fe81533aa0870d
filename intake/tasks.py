"""Celery tasks of intake: delivery of referrals and the overdue sweep."""
