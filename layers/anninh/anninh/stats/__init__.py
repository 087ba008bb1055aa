"""Statistics: counters as events happen, daily roll-ups, reports."""
