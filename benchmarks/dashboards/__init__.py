"""``manage.py bench_dashboards``: the dashboards at the size the issue sets (50,000
households, 700,000 checks, 5,000 referrals), in a throwaway PostgreSQL database.

It times, in one run on one machine (so the ratios hold whatever the machine's speed):
the summary refresh the beat task runs; each dashboard page through Django's full stack
(median and 90th percentile of repeated requests, and its query count); the *naive* way,
i.e. the verification figures computed from the raw checks on every page view, which the
summaries replace; and a *floor*, the cheapest signed-in request (the dashboards' index,
a redirect), which no page can beat; and the lists a clerk and a liaison open every day
(households, requests, overdue checks, a unit's inbox) on the same data, each with its
query count. The machine's load average is printed beside them."""
