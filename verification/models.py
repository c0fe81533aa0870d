"""Household economic-status verification (not yet built)."""
