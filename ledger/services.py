"""Writes and rules of the ledger."""
