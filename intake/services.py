"""Writes and rules of intake: receiving, refusing, referring, signing, returning,
re-routing, closing and answering."""
