"""The officer API: a Powertools resolver with one router per area."""
