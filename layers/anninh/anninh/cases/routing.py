"""Which unit a tip goes to: the OA's unit, or for an OA whose unit has wards under it (the district
OA) the ward the citizen's location or address points at. The unit hierarchy is registry data."""

from __future__ import annotations

import math
from dataclasses import dataclass

from anninh.registry import Registry, Unit
from anninh.text import fold

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Route:
    unit_id: str
    routing: str  # "oa" | "location" | "address"
    detail: str = ""  # the matched alias, or the distance in km


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _candidates(registry: Registry, unit_id: str) -> list[Unit]:
    """Units below the OA's unit that a tip can be routed to by place (wards, communes)."""
    return [
        u
        for uid in registry.subtree(unit_id)
        if uid != unit_id
        for u in [registry.units_by_id[uid]]
        if u.kind in ("ward", "commune", "special_zone") and u.ended_on is None
    ]


def by_location(registry: Registry, unit_id: str, lat: float, lon: float, max_km: float) -> Route | None:
    best: tuple[float, Unit] | None = None
    for unit in _candidates(registry, unit_id):
        if unit.centroid is None:
            continue
        d = distance_km((lat, lon), unit.centroid)
        if d <= max_km and (best is None or d < best[0]):
            best = (d, unit)
    return Route(best[1].unit_id, "location", f"{best[0]:.2f} km") if best else None


def by_address(registry: Registry, unit_id: str, text: str) -> Route | None:
    """The unit whose alias appears first in the text (diacritics-insensitive, whole words)."""
    padded = f" {fold(text)} "
    best: tuple[int, int, Unit, str] | None = None
    for unit in _candidates(registry, unit_id):
        for alias in [*unit.aliases, unit.name]:
            form = fold(alias)
            if not form:
                continue
            pos = padded.find(f" {form} ")
            # earliest mention wins; at the same place the longer alias is the more specific one
            if pos >= 0 and (best is None or (pos, -len(form)) < (best[0], best[1])):
                best = (pos, -len(form), unit, alias)
    return Route(best[2].unit_id, "address", best[3]) if best else None


def route(
    registry: Registry, oa_unit_id: str, location: tuple[float, float] | None, texts: list[str], max_km: float
) -> Route:
    """Location first (what the citizen shared is most precise), then an address in the text."""
    if location is not None:
        found = by_location(registry, oa_unit_id, location[0], location[1], max_km)
        if found:
            return found
    for text in texts:
        found = by_address(registry, oa_unit_id, text)
        if found:
            return found
    return Route(oa_unit_id, "oa")


def routable(registry: Registry, unit_id: str) -> bool:
    """True when the unit has wards under it, so a place can change where a tip goes."""
    return bool(_candidates(registry, unit_id))
