"""Tip cases: a tip is a case, not a message."""
