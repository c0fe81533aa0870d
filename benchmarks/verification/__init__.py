"""Benchmark of batch re-verification end to end, on PostgreSQL and Redis with real workers
(``manage.py bench_verification``; see README, *Benchmark*).

It never touches the configured database's data: it creates a throwaway database beside it
(``<name>_bench``, dropped first if a previous run left it), migrates it, fills it with
invented households, members, authorisations, departments with their items, snapshot
connectors and registry snapshots (``data``), starts Celery worker processes against it
(``workers``) and measures (``scenarios``):

* the batch: ``batch_submit`` → ``batch_prepare`` → one task per department, from the
  clerk's submission to the batch completed (polled in the database): checks per second;
* the same work done one Celery task per check (``check_deliver_task``) on a sample of
  checks of fresh requests, timed from the first message sent to the last check
  answered, and the ratio between the two rates;
* submit-to-complete latency of single interactive requests (``request_submit``, answered
  by the connectors), one at a time: p50 and p95;
* peak worker memory: for each worker, the sum of VmHWM (peak resident memory, from
  /proc/<pid>/status) of its main process and its pool processes; the largest worker's.

For each phase it prints the CPU seconds used (``machine``). Then it stops the workers,
empties its queues and drops the database (``--keep`` keeps it). The last line states the
figures (``report``). ``run`` ties the steps together.
"""
