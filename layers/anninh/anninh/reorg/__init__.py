"""Reorganisation of units as one audited operation: merges, splits, renames and re-parenting.

`plan` is pure (what would move where, and the counts), `store` reads and writes the table (a Protocol
with its DynamoDB implementation), `service` runs a dry run or applies a plan and writes its one audit
entry. The API route is `POST /api/v1/reorganizations` (api/routes/reorganizations.py).
"""
