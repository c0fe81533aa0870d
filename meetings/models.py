"""Joint meetings, agenda items, attendance, minutes and decisions (not yet built)."""
