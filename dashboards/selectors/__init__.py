"""Reads of the dashboards: each returns the charts of one dashboard for a ``Scope``, in a
fixed number of queries whatever the number of rows behind them."""

from .intake import intake_charts
from .ledger import ledger_charts
from .meetings import meetings_charts
from .verification import last_refresh, verification_charts

__all__ = [
    "intake_charts",
    "last_refresh",
    "ledger_charts",
    "meetings_charts",
    "verification_charts",
]
