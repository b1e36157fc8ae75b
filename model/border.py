"""The border grid: nine Border Patrol sectors west to east, Mexican border cities and
their ports of entry, and the property layers that vary over space.

Rows run south to north: southern Mexico (where journeys start), the transit routes,
the border-city band, the line itself, and the US side. Geography is stylised; the
sector order is real and the routes' weights are inputs to be fitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

SECTORS = ("san_diego", "el_centro", "yuma", "tucson", "el_paso", "big_bend", "del_rio", "laredo", "rgv")
SECTOR_NAMES = {
    "san_diego": "San Diego, CA", "el_centro": "El Centro, CA", "yuma": "Yuma, AZ", "tucson": "Tucson, AZ",
    "el_paso": "El Paso, TX", "big_bend": "Big Bend, TX", "del_rio": "Del Rio, TX", "laredo": "Laredo, TX",
    "rgv": "Rio Grande Valley, TX",
}
"""Sector key -> the name CBP/OHSS use in their tables."""

COLS_PER_SECTOR = 10
WIDTH = COLS_PER_SECTOR * len(SECTORS)
HEIGHT = 30
SOUTH_ROWS = range(0, 3)
TRANSIT_ROWS = range(3, 22)
CITY_ROWS = range(22, 25)
LINE_ROW = 26
US_ROWS = range(27, 30)

# Danger of crossing (heat, river, remoteness) by sector, 0..1. [U] stylised from CBP rescue/death reports.
SECTOR_DANGER = {"san_diego": 0.25, "el_centro": 0.35, "yuma": 0.3, "tucson": 0.65, "el_paso": 0.3,
                 "big_bend": 0.8, "del_rio": 0.5, "laredo": 0.5, "rgv": 0.45}

# Where each group heads by default (routes), share of journeys by sector. [U] to be fitted against
# usbp_sw_monthly_by_sector_ohss.csv; the order follows the main corridors of each group.
ROUTE_WEIGHTS = {
    "mx": (0.2, 0.06, 0.03, 0.25, 0.15, 0.02, 0.08, 0.09, 0.12),
    "nca": (0.04, 0.03, 0.05, 0.08, 0.12, 0.01, 0.14, 0.05, 0.48),
    "chnv": (0.03, 0.02, 0.12, 0.05, 0.2, 0.02, 0.3, 0.04, 0.22),
    "other": (0.2, 0.05, 0.18, 0.17, 0.12, 0.01, 0.12, 0.03, 0.12),
}


@dataclass(frozen=True)
class City:
    """A Mexican border city and the US port of entry it faces."""

    name: str
    port: str
    sector: str
    col: int
    shelter: int  # shelter places (people) before crowding raises the cost of waiting [U]


CITIES = (
    City("Tijuana", "San Ysidro", "san_diego", 4, 6000),
    City("Mexicali", "Calexico", "el_centro", 14, 2000),
    City("San Luis R.C.", "San Luis", "yuma", 24, 1500),
    City("Nogales", "Nogales", "tucson", 36, 2500),
    City("Ciudad Juarez", "El Paso", "el_paso", 45, 5000),
    City("Ojinaga", "Presidio", "big_bend", 55, 300),
    City("Ciudad Acuna", "Del Rio", "del_rio", 62, 1000),
    City("Piedras Negras", "Eagle Pass", "del_rio", 67, 1500),
    City("Nuevo Laredo", "Laredo", "laredo", 75, 1500),
    City("Reynosa", "Hidalgo", "rgv", 83, 3000),
    City("Matamoros", "Brownsville", "rgv", 88, 2500),
)


def sector_of_col(col: int) -> str:
    return SECTORS[min(col // COLS_PER_SECTOR, len(SECTORS) - 1)]


class Border:
    """The Mesa grid with the border's property layers and lookups used every day."""

    def __init__(self, random):
        self.grid = OrthogonalMooreGrid((WIDTH, HEIGHT), torus=False, random=random)
        g = self.grid
        danger = np.zeros((WIDTH, HEIGHT))
        for i, s in enumerate(SECTORS):
            danger[i * COLS_PER_SECTOR:(i + 1) * COLS_PER_SECTOR, LINE_ROW - 1:LINE_ROW + 2] = SECTOR_DANGER[s]
        self.danger = g.create_property_layer("crossing_danger", 0.0, float)
        self.danger.data = danger
        self.bp_presence = g.create_property_layer("bp_presence", 0.0, float)
        self.mx_enforcement = g.create_property_layer("mx_enforcement", 0.0, float)
        self.mx_enforcement.data[:, TRANSIT_ROWS.start:CITY_ROWS.stop] = 1.0
        self.crowding = g.create_property_layer("shelter_crowding", 0.0, float)
        self.city_cells = [[g._cells[(c.col + dx, r)] for dx in (-1, 0, 1) for r in CITY_ROWS
                            if 0 <= c.col + dx < WIDTH] for c in CITIES]
        self.south_cells = [g._cells[(x, y)] for x in range(WIDTH) for y in SOUTH_ROWS]
        self.us_cells = {s: [g._cells[(x, y)] for x in range(i * COLS_PER_SECTOR, (i + 1) * COLS_PER_SECTOR)
                             for y in US_ROWS] for i, s in enumerate(SECTORS)}
        self.city_index = {c.name: i for i, c in enumerate(CITIES)}
        self.cities_by_sector = {s: [i for i, c in enumerate(CITIES) if c.sector == s] for s in SECTORS}
        # Cities a crosser from each city can reach: its own sector and the neighbouring ones.
        self.reach = []
        for c in CITIES:
            k = SECTORS.index(c.sector)
            self.reach.append(tuple(SECTORS[j] for j in (k - 1, k, k + 1) if 0 <= j < len(SECTORS)))

    def route_exposure(self, city: int) -> float:
        """Mean Mexican enforcement along the road north to `city` (1.0 = normal)."""
        col = CITIES[city].col
        return float(self.mx_enforcement.data[col, TRANSIT_ROWS.start:CITY_ROWS.stop].mean())

    def set_bp_presence(self, agents_by_sector: dict[str, float]) -> None:
        """Spread each sector's Border Patrol agents over its stretch of the line."""
        data = np.zeros((WIDTH, HEIGHT))
        for i, s in enumerate(SECTORS):
            data[i * COLS_PER_SECTOR:(i + 1) * COLS_PER_SECTOR, LINE_ROW - 1:LINE_ROW + 2] = (
                agents_by_sector[s] / COLS_PER_SECTOR)
        self.bp_presence.data = data

    def set_crowding(self, people_by_city: list[float]) -> None:
        data = self.crowding.data
        for c, cells, people in zip(CITIES, self.city_cells, people_by_city, strict=True):
            for cell in cells:
                data[cell.coordinate] = people / c.shelter
