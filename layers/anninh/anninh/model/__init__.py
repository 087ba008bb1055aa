"""Plain value types that several areas share and that belong to none of them above the others.

An area that sits low in the layering (e.g. `stats`, which every area counts with) may need a word of
an area above it (a case's outcomes). Such words live here, with no I/O and no import of any area, so
that the lower area reads them without importing the higher one (docs/architecture.md, "Layering").
"""
