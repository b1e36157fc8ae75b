"""The border grid as a picture: sectors, border cities, ports, two property layers and the
travellers, coloured by state and shaped by kind.

The geography never changes, so it is drawn once per process into a pixel image (`background`)
that every map pastes under its live artists; a step only moves the travellers and refreshes the
property layers' data (`BorderMap.update`). Travellers sit in grid cells (southern Mexico while on
the way or after being sent back, their border city's block while there); one marker stands for
all agents of one state and kind in a cell, its area growing with the people they stand for.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization.components import PropertyLayerStyle

from agents.population import SOUTH
from model.border import (CITIES, CITY_ROWS, COLS_PER_SECTOR, HEIGHT, LINE_ROW, SECTOR_NAMES, SECTORS,
                          SOUTH_ROWS, TRANSIT_ROWS, US_ROWS, WIDTH)
from model.params import KINDS
from model.states import State
from viz import png

FIGSIZE, DPI = (10.5, 5.0), 90
AXES = (0.12, 0.08, 0.62, 0.74)
"""Where the grid sits in the figure (left, bottom, width, height), the same in the background."""

PROPERTY_LAYERS = {
    "bp_presence": PropertyLayerStyle(colormap="Blues", alpha=0.6, vmin=0.0, vmax=600.0),
    "shelter_crowding": PropertyLayerStyle(colormap="Reds", alpha=0.6, vmin=0.0, vmax=3.0),
}
"""The live property layers (Mesa's portrayal style): Border Patrol agents per column of the line,
and people per shelter place in each border city's block."""


def layer_portrayal(layer) -> PropertyLayerStyle | None:
    """Mesa's property-layer portrayal: the style of a live layer, None for the others."""
    return PROPERTY_LAYERS.get(layer.name)


LAYER_LABELS = {"bp_presence": "Border Patrol agents per column", "shelter_crowding": "people per shelter place"}

STATE_COLOURS = {
    State.TRAVELLING: "#7f7f7f", State.STAGING: "#ff7f0e", State.WAITING_APPOINTMENT: "#9467bd",
    State.IN_CUSTODY: "#1f77b4", State.AFTER_EXPULSION: "#d62728", State.MPP: "#8c564b",
    State.TRANSFERRED_SOUTH: "#bcbd22", State.REMOVED: "#222222",
}
"""States of travellers still in the model (the others have left it)."""
KIND_MARKERS = {"single": "o", "family": "s", "uc": "^"}
KIND_LABELS = {"single": "single adults", "family": "families", "uc": "unaccompanied children"}
OFFSETS = {s: ((i % 4) * 0.22 - 0.33, (i // 4) * 0.4 - 0.2) for i, s in enumerate(STATE_COLOURS)}
"""Where in its cell each state's marker sits, so states sharing a cell stay apart."""
KIND_SHIFT = {k: i * 0.07 for i, k in enumerate(KINDS)}
MARKER_AREA = 7.0
"""Marker area (points²) of 40 people; area grows with the square root of people, so big crowds stay readable."""


def _grid_axes(fig: Figure):
    ax = fig.add_axes(AXES)
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.set_axis_off()
    return ax


@cache
def background() -> np.ndarray:
    """The static map (RGBA pixels of the whole figure), drawn once per process."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    ax = _grid_axes(fig)
    bands = (("United States", US_ROWS, "#eef3f8"), ("border cities", CITY_ROWS, "#f7f1e6"),
             ("routes north", TRANSIT_ROWS, "#fbf8f2"), ("southern Mexico", SOUTH_ROWS, "#f3ede2"))
    for label, rows, colour in bands:
        ax.axhspan(rows.start, rows.stop, color=colour, lw=0)
        ax.text(-1, (rows.start + rows.stop) / 2, label, ha="right", va="center", fontsize=9)
    for i, sector in enumerate(SECTORS):
        x = i * COLS_PER_SECTOR
        ax.axvline(x, ymin=US_ROWS.start / HEIGHT, color="#9aa7b5", lw=0.6)
        ax.text(x + COLS_PER_SECTOR / 2, HEIGHT + 0.6, SECTOR_NAMES[sector].replace(", ", "\n"),
                ha="center", va="bottom", fontsize=7.5)
    ax.axhline(LINE_ROW + 0.5, color="#5a4632", lw=2.0)
    ax.text(-1, LINE_ROW + 0.5, "the line", ha="right", va="center", fontsize=9)
    for c in CITIES:
        ax.plot(c.col + 0.5, LINE_ROW + 0.5, marker="v", ms=6, color="#2b2b2b", zorder=3)
        ax.add_patch(_block(c.col))
        ax.text(c.col + 0.5, CITY_ROWS.start - 0.6, c.name, rotation=40, ha="right", va="top", fontsize=7.5)
    _legend(fig)
    _colourbars(fig)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _block(col: int):
    from matplotlib.patches import Rectangle

    return Rectangle((col - 1, CITY_ROWS.start), 3, len(CITY_ROWS), fill=False, ec="#8a7a60", lw=0.8)


def _legend(fig: Figure) -> None:
    states = [Line2D([], [], ls="", marker="o", color=c, label=s.name.lower().replace("_", " "))
              for s, c in STATE_COLOURS.items()]
    kinds = [Line2D([], [], ls="", marker=m, color="#555555", mfc="none", label=KIND_LABELS[k])
             for k, m in KIND_MARKERS.items()]
    port = [Line2D([], [], ls="", marker="v", color="#2b2b2b", label="port of entry")]
    fig.legend(handles=[*states, *kinds, *port], loc="upper left", bbox_to_anchor=(0.755, 0.86), fontsize=8,
               frameon=False, title="travellers (area ~ people)", title_fontsize=8)


def _colourbars(fig: Figure) -> None:
    from matplotlib.cm import ScalarMappable

    for n, (name, style) in enumerate(PROPERTY_LAYERS.items()):
        cax = fig.add_axes((0.78 + 0.11 * n, 0.08, 0.012, 0.2))
        bar = fig.colorbar(ScalarMappable(Normalize(style.vmin, style.vmax), style.colormap), cax=cax)
        bar.solids.set_alpha(style.alpha)
        bar.ax.tick_params(labelsize=7)
        bar.set_label(LAYER_LABELS[name], fontsize=7)


class BorderMap:
    """One live map: the cached background under the property layers and the travellers."""

    def __init__(self):
        self.figure = fig = Figure(figsize=FIGSIZE, dpi=DPI)
        fig.figimage(background(), zorder=-1)
        self.ax = ax = _grid_axes(fig)
        ax.patch.set_visible(False)
        self.layers = {
            name: ax.imshow(np.ma.masked_all((HEIGHT, WIDTH)), cmap=style.colormap, alpha=style.alpha,
                            norm=Normalize(style.vmin, style.vmax), origin="lower", extent=(0, WIDTH, 0, HEIGHT),
                            interpolation="nearest", aspect="auto", zorder=1)
            for name, style in PROPERTY_LAYERS.items()}
        self.markers = {kind: ax.scatter([], [], marker=m, linewidths=0.4, edgecolors="white", zorder=3)
                        for kind, m in KIND_MARKERS.items()}
        self.title = fig.text(AXES[0], 0.97, "", fontsize=11, va="top")

    def update(self, model) -> None:
        """Show the model as it is now: layers' data, the travellers, the date."""
        for name, image in self.layers.items():
            data = getattr(model.border.grid, name).data.T
            image.set_data(np.ma.masked_equal(data, 0.0))
        people = travellers_by_cell(model)
        for kind, markers in self.markers.items():
            cells = [(s, x, y, n) for (k, s, x, y), n in people.items() if k == kind]
            if not cells:
                markers.set_offsets(np.empty((0, 2)))
                markers.set_sizes([])
                continue
            markers.set_offsets([(x + 0.5 + OFFSETS[s][0] + KIND_SHIFT[kind], y + 0.5 + OFFSETS[s][1])
                                 for s, x, y, _ in cells])
            markers.set_sizes([MARKER_AREA * np.sqrt(n / 40.0) for *_, n in cells])
            markers.set_facecolors([STATE_COLOURS[s] for s, *_ in cells])
        closure = "  ·  asylum closure in force" if model.levers.closure_in_force else ""
        self.title.set_text(f"{model.params.name}: {model.date:%Y-%m-%d} (day {model.day - model.first_day} of {model.days - model.first_day}){closure}")

    def png(self) -> bytes:
        return png(self.figure, DPI)


SHOWN = np.isin(np.arange(len(State)), list(STATE_COLOURS))
"""By state: the states the map draws."""


def travellers_by_cell(model) -> dict[tuple, float]:
    """People drawn in each cell, by (kind, state, x, y): each traveller in its `cell` (one of its
    city's cells, or of the south, which one following from its id), read from the population's
    rows for all travellers at once (a step of the browser app redraws this)."""
    p, border = model.population, model.border
    rows = p.live()
    rows = rows[SHOWN[p.state[rows]]]
    uid, spot = p.uid[rows], p.spot[rows]
    xy = np.empty((len(rows), 2), dtype=np.intp)
    for where, cells in ((SOUTH, border.south_xy), *enumerate(border.city_xy)):
        here = spot == where
        xy[here] = cells[uid[here] % len(cells)]
    key = np.column_stack([p.k[rows], p.state[rows], xy])
    cells, where = np.unique(key, axis=0, return_inverse=True)
    people = np.bincount(where.ravel(), p.people[rows].astype(float), len(cells))
    return {(KINDS[k], State(s), x, y): n for (k, s, x, y), n in zip(cells.tolist(), people.tolist(), strict=True)}
