"""``manage.py bench_api``: a department's system answering checks through the API, in a
throwaway PostgreSQL database, against the real server in its own process.

In one run on one machine (so the ratios hold whatever the machine's speed) it times: the
checks answered in batches (``POST /api/v1/checks/answers``: wall time, checks per second,
p50/p95 per call); single answers (``POST /api/v1/checks/{id}/answers``: p50/p95); the
*naive* way, the same number of checks answered one call per check; and two floors: the
same findings written by one bare SQL statement per batch with no application around
them, and a bare HTTP round trip (the cheapest call through the same server and Django's
stack, a refused one that reads nothing; and a reply from the server's socket without
Django at all). The machine's load average is printed before and after."""
