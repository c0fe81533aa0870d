"""``manage.py bench_monitoring``: every warning rule and the hardship scores over the
issue's size (50,000 households, 700,000 findings, 100,000 ledger rows), in a throwaway
PostgreSQL database.

It times, in one run on one machine (so the ratios hold whatever the machine's speed):
the evaluation of every rule three times (the first, raising everything; a re-run that
raises nothing; one after the extract changed, raising and closing), each beside its
*floor* measured just before: one bare SQL statement per rule, the rule's rows written
into a temporary table with no index, constraint or history, rolled back; then the
hardship scores beside their floor of one bare statement per indicator; this process's
memory before and after; and the machine's load average."""
