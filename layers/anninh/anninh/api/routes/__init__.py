"""One router per area of the officer API."""
