import time, cProfile, pstats
from datetime import date
from typing import Any
import pytest
from anninh.clock import utcnow, vn_day

@pytest.fixture(autouse=True)
def _registry_floats(monkeypatch):
    from anninh import registry_store
    original = registry_store.put_unit
    monkeypatch.setattr(registry_store, "put_unit", lambda unit: original(unit.model_copy(update={"centroid": None})))

def test_prof(aws_stack, registry):
    from scripts.feed_month import InProcessChannel, script_month, zalo_body
    today = date.fromisoformat(vn_day(utcnow()))
    script = script_month(registry, today, days=3)
    ch = InProcessChannel(registry)
    t=time.time()
    for a in script.activities:
        ch.webhook(registry, zalo_body(registry, a))
    print("webhooks", len(script.activities), time.time()-t)
    t=time.time()
    pr = cProfile.Profile(); pr.enable()
    ch.settle()
    pr.disable()
    print("settle", time.time()-t)
    pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
