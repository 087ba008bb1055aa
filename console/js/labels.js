// Vietnamese labels for statuses and reasons. They come from the API (`GET /me` → `labels`, built by
// anninh.labels from the modules that own the values), so the console keeps no copy of its own that
// could drift from the server's. The maps below are filled in place by setLabels() when the officer's
// profile loads, before any page renders; until then label() falls back to the raw value.

export const STATUS_LABELS = {};
export const OUTCOME_LABELS = {};
export const CAMPAIGN_STATUS_LABELS = {};
export const INELIGIBLE_LABELS = {};
export const STATS_LABELS = {};
export const ROLE_LABELS = {};
// Why a message to a citizen could not be delivered, in a few words (the API's item carries the long text).
export const UNDELIVERED_CAUSE_LABELS = {};

const FROM_API = {
  case_status: STATUS_LABELS,
  case_outcome: OUTCOME_LABELS,
  campaign_status: CAMPAIGN_STATUS_LABELS,
  campaign_reason: INELIGIBLE_LABELS,
  stats: STATS_LABELS,
  role: ROLE_LABELS,
  undelivered_cause: UNDELIVERED_CAUSE_LABELS,
};

/** Replace every map with the API's (keys the API does not send are dropped). */
export function setLabels(labels) {
  for (const [name, map] of Object.entries(FROM_API)) {
    for (const key of Object.keys(map)) delete map[key];
    Object.assign(map, (labels && labels[name]) || {});
  }
}

export function label(map, key) {
  return map[key] || key || "";
}
