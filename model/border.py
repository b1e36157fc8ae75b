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

from model.params import Geography

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

_DEFAULT = Geography()


@dataclass(frozen=True)
class City:
    """A Mexican border city and the US port of entry it faces."""

    name: str
    port: str
    sector: str
    col: int
    key: str  # its key in `geography.shelter` (shelter places before crowding raises the cost of waiting)


CITIES = (
    City("Tijuana", "San Ysidro", "san_diego", 4, "tijuana"),
    City("Mexicali", "Calexico", "el_centro", 14, "mexicali"),
    City("San Luis R.C.", "San Luis", "yuma", 24, "san_luis"),
    City("Nogales", "Nogales", "tucson", 36, "nogales"),
    City("Ciudad Juarez", "El Paso", "el_paso", 45, "juarez"),
    City("Ojinaga", "Presidio", "big_bend", 55, "ojinaga"),
    City("Ciudad Acuna", "Del Rio", "del_rio", 62, "acuna"),
    City("Piedras Negras", "Eagle Pass", "del_rio", 67, "piedras_negras"),
    City("Nuevo Laredo", "Laredo", "laredo", 75, "nuevo_laredo"),
    City("Reynosa", "Hidalgo", "rgv", 83, "reynosa"),
    City("Matamoros", "Brownsville", "rgv", 88, "matamoros"),
)


def sector_of_col(col: int) -> str:
    return SECTORS[min(col // COLS_PER_SECTOR, len(SECTORS) - 1)]


class Border:
    """The Mesa grid with the border's property layers and lookups used every day."""

    def __init__(self, random, geography: Geography | None = None):
        geography = geography or _DEFAULT
        self.sector_danger = dict(geography.sector_danger)
        self.route_weights = {g: tuple(w) for g, w in geography.route_weights.items()}
        self.shelter = [geography.shelter[c.key] for c in CITIES]
        self.grid = OrthogonalMooreGrid((WIDTH, HEIGHT), torus=False, random=random)
        g = self.grid
        danger = np.zeros((WIDTH, HEIGHT))
        for i, s in enumerate(SECTORS):
            danger[i * COLS_PER_SECTOR:(i + 1) * COLS_PER_SECTOR, LINE_ROW - 1:LINE_ROW + 2] = self.sector_danger[s]
        self.danger = g.create_property_layer("crossing_danger", 0.0, float)
        self.danger.data = danger
        self.bp_presence = g.create_property_layer("bp_presence", 0.0, float)
        self.mx_enforcement = g.create_property_layer("mx_enforcement", 0.0, float)
        self.mx_enforcement.data[:, TRANSIT_ROWS.start:CITY_ROWS.stop] = 1.0
        self.crowding = g.create_property_layer("shelter_crowding", 0.0, float)
        self.city_cells = [[g._cells[(c.col + dx, r)] for dx in (-1, 0, 1) for r in CITY_ROWS
                            if 0 <= c.col + dx < WIDTH] for c in CITIES]
        self.south_cells = [g._cells[(x, y)] for x in range(WIDTH) for y in SOUTH_ROWS]
        self.city_xy = [np.array([c.coordinate for c in cells]) for cells in self.city_cells]
        # Each city's cells as one index into the layers (a city's cells in `city_cells` order), and whose each is.
        self._city_cell_xy = tuple(np.concatenate(self.city_xy).T)
        self._city_of_cell = np.repeat(np.arange(len(CITIES)), [len(cells) for cells in self.city_cells])
        self.south_xy = np.array([c.coordinate for c in self.south_cells])  # where the map draws people, by cell
        self.us_cells = {s: [g._cells[(x, y)] for x in range(i * COLS_PER_SECTOR, (i + 1) * COLS_PER_SECTOR)
                             for y in US_ROWS] for i, s in enumerate(SECTORS)}
        self.city_index = {c.name: i for i, c in enumerate(CITIES)}
        self.city_cols = np.array([c.col for c in CITIES])
        self.cities_by_sector = {s: [i for i, c in enumerate(CITIES) if c.sector == s] for s in SECTORS}
        # Cities a crosser from each city can reach: its own sector and the neighbouring ones.
        self.reach = []
        for c in CITIES:
            k = SECTORS.index(c.sector)
            self.reach.append(tuple(SECTORS[j] for j in (k - 1, k, k + 1) if 0 <= j < len(SECTORS)))

    def route_exposure(self) -> np.ndarray:
        """Mean Mexican enforcement along the road north to each city (1.0 = normal)."""
        return self.mx_enforcement.data[self.city_cols, TRANSIT_ROWS.start:CITY_ROWS.stop].mean(axis=1)

    def set_bp_presence(self, agents_by_sector: dict[str, float]) -> None:
        """Spread each sector's Border Patrol agents over its stretch of the line."""
        data = np.zeros((WIDTH, HEIGHT))
        for i, s in enumerate(SECTORS):
            data[i * COLS_PER_SECTOR:(i + 1) * COLS_PER_SECTOR, LINE_ROW - 1:LINE_ROW + 2] = (
                agents_by_sector[s] / COLS_PER_SECTOR)
        self.bp_presence.data = data

    def set_crowding(self, crowding: np.ndarray) -> None:
        """Each city's crowding (people over shelter places) on all of its cells: one assignment
        a day rather than one a cell."""
        self.crowding.data[self._city_cell_xy] = crowding[self._city_of_cell]
