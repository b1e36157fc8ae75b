"""The borderflow browser app (Mesa SolaraViz).

    borderflow serve [--scenario NAME] [--batch DIR]   # what most people run
    solara run viz/app.py                              # the same app, as Mesa apps are run

Page 0 is the live model: the border map, encounters against the closure thresholds, people
waiting in Mexico, outcomes, and the levers in force. Page 1 replays a finished batch.
"""

from mesa.visualization import SolaraViz

from viz.live import LiveBorderModel, initial_scenario, model_params
from viz.panels import BorderMapView, StatusView, curve_view
from viz.replay import ReplayView

scenario = initial_scenario()
model = LiveBorderModel(scenario_name=scenario)
components = [(BorderMapView, 0), (curve_view("encounters"), 0), (StatusView, 0), (curve_view("waiting"), 0),
              (curve_view("outcomes"), 0), (ReplayView, 1)]

page = SolaraViz(model, components=components, model_params=model_params(scenario), name="borderflow",
                 play_interval=50)
page  # noqa: B018 (solara shows the module's `page`)
