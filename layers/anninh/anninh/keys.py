"""Key shapes of the single-table design (see docs/data-model.md for the access patterns).

Every item has PK and SK; GSI1 and GSI2 are overloaded per entity. Builders live here so that no
module spells a key by hand and the document and the code cannot drift apart.
"""

from __future__ import annotations

# --- Registry -------------------------------------------------------------------------------
# Unit:      PK=UNIT#<unit_id>                 SK=UNIT        GSI1PK=UNITS      GSI1SK=<unit_id>
# OA:        PK=OA#<oa_id>                     SK=OA          GSI1PK=OAS        GSI1SK=<oa_id>
# Officer:   PK=OFFICER#<username>             SK=OFFICER     GSI1PK=OFFICERS   GSI1SK=<username>
# App:       PK=APP#<app_id>                   SK=APP         GSI1PK=APPS       GSI1SK=<app_id>


def unit(unit_id: str) -> dict[str, str]:
    return {"PK": f"UNIT#{unit_id}", "SK": "UNIT"}


def oa(oa_id: str) -> dict[str, str]:
    return {"PK": f"OA#{oa_id}", "SK": "OA"}


def app(app_id: str) -> dict[str, str]:
    """A Zalo app's id and name (never its secrets: those live in Secrets Manager only)."""
    return {"PK": f"APP#{app_id}", "SK": "APP"}


def officer(username: str) -> dict[str, str]:
    return {"PK": f"OFFICER#{username.lower()}", "SK": "OFFICER"}


# --- Intake ---------------------------------------------------------------------------------
# Event receipt (dedupe + raw copy): PK=EVENT#<dedupe_key> SK=EVENT, expires_at = +30 days.


def event_receipt(dedupe_key: str) -> dict[str, str]:
    return {"PK": f"EVENT#{dedupe_key}", "SK": "EVENT"}


# A citizen in a key is the keyed hash of the Zalo user id (`anninh.crypto.user_hash`, HMAC-SHA256 with
# the pseudonym pepper), written <user_hash> below: anyone who reads the table sees no Zalo id in the
# keys of conversations, blocks, rate limits and lookup windows. The builders take the id and hash it,
# so every caller that knows the id (the inbound path, the sender, the API) finds the same items.
def citizen_ref(user_id: str) -> str:
    from anninh.crypto import user_hash

    return user_hash(user_id)


# Conversation of a citizen with an OA; messages sorted by time.
# PK=CONV#<oa_id>#<user_hash>  SK=MSG#<iso>#<msg_id>


def conversation_pk(oa_id: str, user_id: str) -> str:
    return f"CONV#{oa_id}#{citizen_ref(user_id)}"


CONVERSATION_PREFIX = "CONV#"
MESSAGE_PREFIX = "MSG#"
CASE_PREFIX = "CASE#"
MEDIA_PREFIX = "MEDIA#"


def message(oa_id: str, user_id: str, at_iso: str, msg_id: str) -> dict[str, str]:
    return {"PK": conversation_pk(oa_id, user_id), "SK": f"{MESSAGE_PREFIX}{at_iso}#{msg_id}"}


# Conversation state (open case, bot flow, hand-off flag): PK=CONV#<oa>#<user_hash> SK=STATE
def conversation_state(oa_id: str, user_id: str) -> dict[str, str]:
    return {"PK": conversation_pk(oa_id, user_id), "SK": "STATE"}


# Follower of an OA: PK=OA#<oa_id> SK=FOLLOWER#<user_hash>; its user_id attribute is sealed to the item
#   GSI1PK=OA#<oa_id>#FOLLOWERS GSI1SK=<last_interaction_iso>  (audience by interaction window)
def follower(oa_id: str, user_id: str) -> dict[str, str]:
    return {"PK": f"OA#{oa_id}", "SK": f"FOLLOWER#{citizen_ref(user_id)}"}


def follower_before_hash(oa_id: str, user_id: str) -> dict[str, str]:
    """Where a follower record written before the keyed hash lives (SK=FOLLOWER#<user_id>): read for
    shared info a citizen gave then, and cleared on withdrawal; never written otherwise."""
    return {"PK": f"OA#{oa_id}", "SK": f"FOLLOWER#{user_id}"}


def followers_by_interaction_gsi(oa_id: str) -> str:
    return f"OA#{oa_id}#FOLLOWERS"


# --- Cases ----------------------------------------------------------------------------------
# Case:      PK=CASE#<case_id> SK=CASE
#   GSI1PK=UNIT#<unit_id>#CASES  GSI1SK=<created_iso>#<case_id>   (unit inbox, newest first)
#   GSI2PK=CASECODE#<code>       GSI2SK=CASE                      (lookup by human code)
# Case children (same partition, read with the case):
#   SK=MEDIA#<seq>#<n>, SK=NOTE#<iso>#<id>, SK=EVENT#<iso>#<id> (history), SK=AUDIT#<iso>#<id>
# Sequence for human codes: PK=SEQ#<prefix>#<yymm> SK=SEQ (atomic counter)


def case(case_id: str) -> dict[str, str]:
    return {"PK": f"CASE#{case_id}", "SK": "CASE"}


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


def unit_cases_gsi(unit_id: str) -> str:
    return f"UNIT#{unit_id}#CASES"


def case_code_gsi(code: str) -> str:
    return f"CASECODE#{code.upper()}"


def case_sequence(prefix: str, yymm: str) -> dict[str, str]:
    return {"PK": f"SEQ#{prefix}#{yymm}", "SK": "SEQ"}


# Audit records: PK=CASE#<id> (or TARGET#<kind>#<id>) SK=AUDIT#<iso>#<uuid>
#   GSI2PK=OFFICER#<username>#AUDIT GSI2SK=<iso>
def officer_audit_gsi(username: str) -> str:
    return f"OFFICER#{username.lower()}#AUDIT"


AUDIT_PREFIX = "AUDIT#"


def audit_partition(target_kind: str, target_id: str) -> str:
    """Where a target's audit records live: the case's own partition, or TARGET#<kind>#<id>."""
    return case_pk(target_id) if target_kind == "case" else f"TARGET#{target_kind}#{target_id}"


def audit_record(target_kind: str, target_id: str, at_iso: str, audit_id: str) -> dict[str, str]:
    return {"PK": audit_partition(target_kind, target_id), "SK": f"{AUDIT_PREFIX}{at_iso}#{audit_id}"}


# --- Outbound -------------------------------------------------------------------------------
# Outbox delivery record (idempotency of sends): PK=OUTBOX#<message_key> SK=OUTBOX
#   status sending | retrying | sent | failed | undeliverable_window (see anninh.sending.records)
#   kept for officers when undeliverable: GSI1PK=UNIT#<unit_id>#UNDELIVERED GSI1SK=<iso>#<key>
def outbox_record(message_key: str) -> dict[str, str]:
    return {"PK": f"OUTBOX#{message_key}", "SK": "OUTBOX"}


def unit_undelivered_gsi(unit_id: str) -> str:
    return f"UNIT#{unit_id}#UNDELIVERED"


# Proactive messages an OA sent in a Vietnam month (anninh.sending.tiers): PK=OA#<oa_id> SK=QUOTA#<yyyy-mm>
def oa_quota_month(oa_id: str, month: str) -> dict[str, str]:
    return {"PK": f"OA#{oa_id}", "SK": f"QUOTA#{month}"}


# Marker: this message (or campaign batch) was counted in its OA's month (expires after 40 days)
def oa_quota_marker(message_key: str) -> dict[str, str]:
    return {"PK": f"QUOTA#MARK#{message_key}", "SK": "MARK"}


# Token refresh lease: PK=LEASE#TOKEN#<oa_id> SK=LEASE
def token_lease(oa_id: str) -> dict[str, str]:
    return {"PK": f"LEASE#TOKEN#{oa_id}", "SK": "LEASE"}


# Shared rate limiter per Zalo app: PK=RATE#<app_id> SK=BUCKET
def rate_bucket(app_id: str) -> dict[str, str]:
    return {"PK": f"RATE#{app_id}", "SK": "BUCKET"}


# --- Campaigns ------------------------------------------------------------------------------
# Campaign: PK=CAMPAIGN#<id> SK=CAMPAIGN  GSI1PK=CAMPAIGNS GSI1SK=<created_iso>
#   due sweep: GSI2PK=CAMPAIGNS#SCHEDULED GSI2SK=<send_at_iso>
# Delivery: PK=CAMPAIGN#<id>#OA#<oa_id> SK=DELIVERY#<oa_id>#<user_hash>  (conditional put: never twice;
#   the recipient's user_id is sealed to the record)
#   One partition per campaign and OA: a city-wide campaign writes ~2 items per message at up to
#   ~800 messages/s over all apps, past one partition's 1,000 WCU; one OA sends at most its app's
#   rate (~65/s), ~130 WCU (docs/capacity.md). Campaigns started before this layout kept their
#   deliveries in PK=CAMPAIGN#<id> (`campaign_delivery_legacy_pk`, still read by the recount).
def campaign(campaign_id: str) -> dict[str, str]:
    return {"PK": f"CAMPAIGN#{campaign_id}", "SK": "CAMPAIGN"}


def campaign_delivery_pk(campaign_id: str, oa_id: str) -> str:
    return f"CAMPAIGN#{campaign_id}#OA#{oa_id}"


def campaign_delivery_legacy_pk(campaign_id: str) -> str:
    return f"CAMPAIGN#{campaign_id}"


def campaign_delivery(campaign_id: str, oa_id: str, user_id: str) -> dict[str, str]:
    return {"PK": campaign_delivery_pk(campaign_id, oa_id), "SK": f"DELIVERY#{oa_id}#{citizen_ref(user_id)}"}


# Batch held back while its campaign is paused or in quiet hours: PK=CAMPAIGN#<id> SK=PARKED#<batch_id>
def campaign_parked(campaign_id: str, batch_id: str) -> dict[str, str]:
    return {"PK": f"CAMPAIGN#{campaign_id}", "SK": f"PARKED#{batch_id}"}


# Per-follower cap on promotion types: PK=FCAP#<oa_id>#<user_hash> SK=DAY#<yyyy-mm-dd> | MONTH#<yyyy-mm>
# (Vietnam calendar; attribute n counts messages; expires_at for TTL)
def follower_cap(oa_id: str, user_id: str, period: str) -> dict[str, str]:
    return {"PK": f"FCAP#{oa_id}#{citizen_ref(user_id)}", "SK": period}


# --- Self-service ---------------------------------------------------------------------------
# CCCD record: PK=CCCD#<receipt_no> SK=CCCD
# Queue day at a place: PK=QUEUE#<place_id>#<yyyy-mm-dd> SK=DAY (issued counter, capacity)
#   ticket: SK=TICKET#<number:04d> (user_id sealed to it); citizen's tickets:
#   GSI1PK=CITIZEN#<oa>#<user_hash>#TICKETS
# Notice: PK=NOTICE#<id> SK=NOTICE GSI1PK=NOTICES GSI1SK=<published_iso>
# KB entry override: PK=KB#<entry_id> SK=KB
# Hotlines per unit edited by an admin: PK=UNIT#<unit_id> SK=HOTLINE#LIST (the whole list, one item)
def cccd_record(receipt_no: str) -> dict[str, str]:
    return {"PK": f"CCCD#{receipt_no.strip().upper()}", "SK": "CCCD"}


def queue_day(place_id: str, day: str) -> dict[str, str]:
    return {"PK": f"QUEUE#{place_id}#{day}", "SK": "DAY"}


def notice(notice_id: str) -> dict[str, str]:
    return {"PK": f"NOTICE#{notice_id}", "SK": "NOTICE"}


def kb_entry(entry_id: str) -> dict[str, str]:
    return {"PK": f"KB#{entry_id}", "SK": "KB"}


# Every knowledge-base override, on GSI1 (GSI1SK=<entry_id>)
KB_OVERRIDES_GSI = "KBS"


# --- Statistics -----------------------------------------------------------------------------
# Daily counters per OA: PK=STATS#<yyyy-mm-dd> SK=OA#<oa_id>  (unit_id stored on the item)
#   GSI1PK=STATS#UNIT#<unit_id> GSI1SK=<yyyy-mm-dd>#<oa_id>
# Counted-event marker (idempotent counting): PK=COUNTED#<event_key> SK=COUNTED, expires_at
def stats_day(day: str, oa_id: str) -> dict[str, str]:
    return {"PK": f"STATS#{day}", "SK": f"OA#{oa_id}"}


def counted_marker(event_key: str) -> dict[str, str]:
    return {"PK": f"COUNTED#{event_key}", "SK": "COUNTED"}


# --- Conversations seen by officers -----------------------------------------------------------
# The conversation state item (SK=STATE) carries an opaque conversation_id so officers never see
# the Zalo id:  GSI2PK=CONVERSATION#<conversation_id> GSI2SK=STATE
# While handed off to a human:  GSI1PK=UNIT#<unit_id>#HANDOFFS GSI1SK=<handed_off_iso>
def conversation_id_gsi(conversation_id: str) -> str:
    return f"CONVERSATION#{conversation_id}"


def unit_handoffs_gsi(unit_id: str) -> str:
    return f"UNIT#{unit_id}#HANDOFFS"


# --- Statistics: gauges, roll-ups and reports (issue 7) ---------------------------------------
# Followers gauge per OA (net follows since the system started; kept by stats.counters.count):
#   PK=STATS#FOLLOWERS SK=OA#<oa_id>
# Daily roll-up per unit (the unit and every unit under it): PK=STATS#<yyyy-mm-dd> SK=UNIT#<unit_id>
#   GSI1PK=STATS#ROLLUP#<unit_id> GSI1SK=<yyyy-mm-dd>   (a unit's days in a period: one query)
# Review-meeting report: PK=REPORT#<report_id> SK=REPORT  GSI1PK=REPORTS#<unit_id> GSI1SK=<created_iso>
# Daily counters per OA and the unit they were counted for (a district-OA tip handled by a ward
# counts for the ward): PK=STATS#<yyyy-mm-dd> SK=OA#<oa_id>#UNIT#<unit_id>  (stats.counters.count)
def stats_day_unit(day: str, oa_id: str, unit_id: str) -> dict[str, str]:
    return {"PK": f"STATS#{day}", "SK": f"OA#{oa_id}#UNIT#{unit_id}"}


def stats_followers(oa_id: str) -> dict[str, str]:
    return {"PK": "STATS#FOLLOWERS", "SK": f"OA#{oa_id}"}


def stats_unit_day(day: str, unit_id: str) -> dict[str, str]:
    return {"PK": f"STATS#{day}", "SK": f"UNIT#{unit_id}"}


def stats_rollup_gsi(unit_id: str) -> str:
    return f"STATS#ROLLUP#{unit_id}"


def stats_day_pk(day: str) -> str:
    """The partition of a day's counters and roll-ups (SK=OA#... per OA, SK=UNIT#... per unit)."""
    return f"STATS#{day}"


STATS_OA_PREFIX = "OA#"
STATS_FOLLOWERS_PK = "STATS#FOLLOWERS"


def stats_unit_gsi(unit_id: str) -> str:
    """A unit's per-OA day counters on GSI1 (GSI1SK=<yyyy-mm-dd>#<oa_id>)."""
    return f"STATS#UNIT#{unit_id}"


def report(report_id: str) -> dict[str, str]:
    return {"PK": f"REPORT#{report_id}", "SK": "REPORT"}


def unit_reports_gsi(unit_id: str) -> str:
    return f"REPORTS#{unit_id}"


# --- Tip intake: alerts, block list, per-citizen rate limit ----------------------------------------
# Urgent-case alert for a unit's officers: PK=CASE#<case_id> SK=ALERT
#   GSI1PK=UNIT#<unit_id>#ALERTS GSI1SK=<created_iso>   (the unit's alert feed, newest first)
def case_alert(case_id: str) -> dict[str, str]:
    return {"PK": f"CASE#{case_id}", "SK": "ALERT"}


def unit_alerts_gsi(unit_id: str) -> str:
    return f"UNIT#{unit_id}#ALERTS"


# Blocked citizen (messages logged, no case opened): PK=BLOCK#<oa_id>#<user_hash> SK=BLOCK
def citizen_block(oa_id: str, user_id: str) -> dict[str, str]:
    return {"PK": f"BLOCK#{oa_id}#{citizen_ref(user_id)}", "SK": "BLOCK"}


# New cases opened by a citizen in one hour (atomic counter, expires_at):
#   PK=CASERATE#<oa>#<user_hash> SK=<yyyymmddhh>
def case_rate(oa_id: str, user_id: str, hour: str) -> dict[str, str]:
    return {"PK": f"CASERATE#{oa_id}#{citizen_ref(user_id)}", "SK": hour}


# --- Officer workflow (issue 5) ----------------------------------------------------------------
# Info-only copy of a case for another unit, read-only there:
#   PK=CASE#<case_id> SK=INFO#<unit_id>  GSI1PK=UNIT#<unit_id>#CASES GSI1SK=<the case's GSI1SK>
# Canned reply: PK=CANNED#<id> SK=CANNED  GSI1PK=CANNED GSI1SK=<id>
# Overdue digest of a unit for a Vietnam day: PK=UNIT#<unit_id> SK=DIGEST#<yyyy-mm-dd>
def case_info_copy(case_id: str, unit_id: str) -> dict[str, str]:
    return {"PK": case_pk(case_id), "SK": f"INFO#{unit_id}"}


def canned_reply(reply_id: str) -> dict[str, str]:
    return {"PK": f"CANNED#{reply_id}", "SK": "CANNED"}


def overdue_digest(unit_id: str, day: str) -> dict[str, str]:
    return {"PK": f"UNIT#{unit_id}", "SK": f"DIGEST#{day}"}


# Officer's inbox marks: when an officer last opened a case (PK=SEEN#<username> SK=CASE#<case_id>, TTL)
# and who is on a case now (PK=CASE#<case_id> SK=VIEW#<username>, TTL); the once-per-case citizen
# notice marker PK=CASE#<case_id> SK=NOTICE#<kind>; history events SK=EVENT#<iso>#<id> and internal
# notes SK=NOTE#<iso>#<id> in the case's partition.
def case_seen(username: str, case_id: str) -> dict[str, str]:
    return {"PK": f"SEEN#{username}", "SK": f"CASE#{case_id}"}


def case_view(case_id: str, username: str) -> dict[str, str]:
    return {"PK": case_pk(case_id), "SK": f"VIEW#{username}"}


def case_notice(case_id: str, kind: str) -> dict[str, str]:
    return {"PK": case_pk(case_id), "SK": f"NOTICE#{kind}"}


def case_event(case_id: str, at_iso: str, event_id: str) -> dict[str, str]:
    return {"PK": case_pk(case_id), "SK": f"EVENT#{at_iso}#{event_id}"}


def case_note(case_id: str, at_iso: str, note_id: str) -> dict[str, str]:
    return {"PK": case_pk(case_id), "SK": f"NOTE#{at_iso}#{note_id}"}


UNITS_GSI = "UNITS"  # GSI1PK of every unit record (registry)


# --- Self-service (issue 4): rate limits, queue guards and places, notices feed, news links ----------
# CCCD lookups per citizen in a fixed window: PK=LIMIT#CCCD#<oa>#<user_hash> SK=<window start iso>, TTL.
def cccd_lookup_window(oa_id: str, user_id: str, window: str) -> dict[str, str]:
    return {"PK": f"LIMIT#CCCD#{oa_id}#{citizen_ref(user_id)}", "SK": window}


# One active queue ticket per citizen per place and day (same partition as the day's counter):
#   PK=QUEUE#<place_id>#<yyyy-mm-dd> SK=CITIZEN#<oa>#<user_hash>   (holds the ticket number)
def queue_citizen_guard(place_id: str, day: str, oa_id: str, user_id: str) -> dict[str, str]:
    return {"PK": f"QUEUE#{place_id}#{day}", "SK": f"CITIZEN#{oa_id}#{citizen_ref(user_id)}"}


def queue_ticket(place_id: str, day: str, number: int) -> dict[str, str]:
    return {"PK": f"QUEUE#{place_id}#{day}", "SK": f"TICKET#{number:04d}"}


def citizen_tickets_gsi(oa_id: str, user_id: str) -> str:
    return f"CITIZEN#{oa_id}#{citizen_ref(user_id)}#TICKETS"


# Queue place edited by an admin (merged over the shipped places): PK=PLACE#<id> SK=PLACE GSI1PK=PLACES
def queue_place(place_id: str) -> dict[str, str]:
    return {"PK": f"PLACE#{place_id}", "SK": "PLACE"}


QUEUE_PLACES_GSI = "PLACES"
QUEUE_DAY_SK = "DAY"
QUEUE_TICKET_PREFIX = "TICKET#"


# Notices feed (newest first): GSI1PK=NOTICES GSI1SK=<published_iso>#<notice_id>
NOTICES_GSI = "NOTICES"
# Every notice, whatever its status (editors' list): GSI2PK=NOTICES#ALL GSI2SK=<published_iso>#<notice_id>
ALL_NOTICES_GSI = "NOTICES#ALL"


# Security-news links per OA: PK=OA#<oa_id> SK=NEWS#<news_id>  GSI1PK=OA#<oa_id>#NEWS GSI1SK=<published_iso>
def news_item(oa_id: str, news_id: str) -> dict[str, str]:
    return {"PK": f"OA#{oa_id}", "SK": f"NEWS#{news_id}"}


def oa_news_gsi(oa_id: str) -> str:
    return f"OA#{oa_id}#NEWS"


def unit_hotlines(unit_id: str) -> dict[str, str]:
    """A unit's hotline list edited by an admin (see "Self-service" above)."""
    return {"PK": f"UNIT#{unit_id}", "SK": "HOTLINE#LIST"}


# --- Reorganisations (anninh.reorg) -------------------------------------------------------------
# One record per applied operation: PK=REORG#<id> SK=REORG  GSI1PK=REORGS GSI1SK=<applied_iso>#<id>
def reorganization(reorg_id: str) -> dict[str, str]:
    return {"PK": f"REORG#{reorg_id}", "SK": "REORG"}
