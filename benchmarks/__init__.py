"""Benchmarks of the application, run from management commands.

Not a Django app and imported by no app: each benchmark's machinery (data generation,
worker processes, the measured scenarios, the report) lives here, and a thin management
command reads its arguments and calls in.
"""
