"""The live page's components: the border map, the curves as the run goes, and what is in force.

Each component redraws only when the model has stepped (or been replaced on Reset): its picture
is memoised on (model, step). The curves are the same panels `borderflow run` saves in curves.png;
a run started from history also shows its factual's counted 7-day average, whole, in the encounters
panel, so the live curve is seen leaving it (or not) as it grows.
"""

from __future__ import annotations

import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from experiments.plots import date_axis, encounters_panel, outcomes_panel, waiting_panel
from viz import png
from viz.border_map import BorderMap
from viz.live import WAITING, LiveBorderModel

CURVES = {"encounters": (10.0, 4.2), "waiting": (10.0, 3.4), "outcomes": (10.0, 3.4)}
"""Panel name -> figure size (inches)."""
FACTUAL_COLOUR = "dimgrey"
FACTUAL_LABEL = "factual 7-day average"


class LiveCurve:
    """One curve panel kept for one model: the figure, axes and ticks stay, and each redraw only
    replaces the data artists (fixed margins: a layout engine would redo the text layout every step)."""

    def __init__(self, panel: str):
        self.panel = panel
        self.figure = Figure(figsize=CURVES[panel])
        self.figure.subplots_adjust(left=0.085, right=0.97, top=0.9, bottom=0.1)
        self.ax = self.figure.subplots()

    def png(self, model: LiveBorderModel) -> bytes:
        """The panel over the run's span (from its start date, for a run from history), drawn up to today."""
        ax = self.ax
        for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
            artist.remove()
        if ax.get_legend():
            ax.get_legend().remove()
        ax.set_prop_cycle(None)  # each redraw starts the colours afresh, so a curve keeps its colour
        daily = model.daily()
        factual = model.factual if self.panel == "encounters" else None
        if factual is not None:  # under the live lines, first in the legend
            ax.plot(pd.to_datetime(factual["date"]), factual["counted_7day_avg"], ls="--", lw=1.8,
                    color=FACTUAL_COLOUR, label=FACTUAL_LABEL, zorder=1.9)
        if self.panel == "encounters":
            encounters_panel(ax, daily, model.params, legend=not daily.empty or factual is not None)
        elif self.panel == "waiting":
            waiting_panel(ax, daily)
        else:
            outcomes_panel(ax, daily)
        ax.set_autoscaley_on(True)
        ax.relim()
        ax.autoscale_view()
        date_axis(ax, model.start + pd.Timedelta(days=model.first_day), model.start + pd.Timedelta(days=model.days - 1))
        if daily.empty:
            ax.text(0.5, 0.5, "press Step or ▶ to run the model", transform=ax.transAxes, ha="center", color="grey")
            if factual is None:
                ax.set_ylim(0, 1000)
        return png(self.figure)


def curves_png(model: LiveBorderModel, panel: str) -> bytes:
    """One panel drawn afresh (the page keeps a LiveCurve per model instead)."""
    return LiveCurve(panel).png(model)


def _memo_image(make, model, *key) -> None:
    image = solara.use_memo(make, [model, model.steps, *key])
    solara.Image(image, format="png", width="100%")


@solara.component
def BorderMapView(model: LiveBorderModel):
    update_counter.get()
    border_map = solara.use_memo(BorderMap, [model])  # a fresh map for each new model

    def draw():
        border_map.update(model)
        return border_map.png()

    _memo_image(draw, model)


def curve_view(panel: str):
    """A component drawing one panel of the curves."""

    @solara.component
    def CurveView(model: LiveBorderModel):
        update_counter.get()
        curve = solara.use_memo(lambda: LiveCurve(panel), [model])  # a fresh figure for each new model
        _memo_image(lambda: curve.png(model), model, panel)

    CurveView.__name__ = f"{panel.capitalize()}View"
    return CurveView


def levers_in_force(model: LiveBorderModel) -> list[str]:
    """Today's levers, as the model applies them (a scenario's timeline may have changed them)."""
    lev = model.levers
    c = lev.closure
    closure = c.mode if c.mode != "threshold" else (
        f"threshold: on at a 7-day average of {c.activation:,.0f}, lifted below {c.lift:,.0f}")
    state = "in force" if lev.closure_in_force else "not in force"

    def on(flag):
        return "on" if flag else "off"

    return [f"Asylum closure: {closure} ({state} today)", f"Title 42 expulsions: {on(lev.title42.active)}",
            f"MPP: {on(lev.mpp.active)}",
            f"CBP One appointments: {on(lev.appointments.active)}, {lev.appointments.slots:,.0f} slots/day",
            f"Mexican interdiction: {lev.mexico.interdiction:g}",
            f"Scale: {model.scale} people per agent; seed {model.params.run.seed}"]


@solara.component
def StatusView(model: LiveBorderModel):
    update_counter.get()
    if WAITING.value:  # a Reset from history: what it runs before the new model is shown
        solara.Info(WAITING.value)
    if model.refused:
        solara.Error(f"Refused: {model.refused}. Nothing runs with these settings: correct the value and "
                     "press Reset (the map shows the scenario as published).")
    solara.Markdown(f"**{model.params.name}** — {model.params.description}\n\n"
                    f"{model.date:%Y-%m-%d}, day {model.day - model.first_day} of {model.days - model.first_day}")
    if model.fork_date:
        solara.Markdown(f"Started from {model.params.name}'s history on {model.fork_date:%Y-%m-%d} (the history "
                        f"{model.history}); the levers set from the controls are held from that day. Grey dashed "
                        "in the encounters panel: the factual, the same history with nothing changed.")
    changed = ", ".join(f"`{k}={v}`" for k, v in model.changed.items())
    solara.Markdown("\n".join(f"- {line}" for line in levers_in_force(model))
                    + (f"\n\nSet from the controls: {changed}" if changed else ""))
    solara.Markdown("Controls take effect on **Reset**. Page 1 replays a finished batch of runs.")
