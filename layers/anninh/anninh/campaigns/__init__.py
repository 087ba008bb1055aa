"""Campaigns: broadcasts to followers at the platform's rate limit, never twice to anyone.

- `model`: what an editor asks for and what is tracked; `store`: the campaign item, checkpoints,
  parked batches; `deliveries`: per-recipient claims and per-follower caps.
- `audience` + `eligibility`: who is in a campaign and who may receive it now, and why not.
- `planner`: pages through the audience and enqueues batches (resumable); also the due sweep.
- `sender`: sends batches under the shared rate limiter (`anninh.ratelimit`).
- `articles`: article broadcasts fanned out by Zalo; `service`: the officer API's operations.
"""
