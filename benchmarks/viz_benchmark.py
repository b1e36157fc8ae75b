"""What one step of the browser app costs: the model's day, the map, the three curves.

Usage: python benchmarks/viz_benchmark.py [SCENARIO] [--scale K] [--every N] [--start YYYY-MM-DD]

Steps the scenario (default: the app's) day by day at its default scale (or, with --start, from its
history on that date, as the app's start date does, its factual drawn too) and, every N days,
times what the page redraws after a step: the border map (cached background, live travellers
and layers) and the three curve panels (kept figures, new data), each to PNG as the page shows them. For comparison it
also times Mesa's own SpaceRenderer redrawing the same grid from scratch with one marker per
agent, as SolaraViz's space component does on every step. Drawings are timed best of 3 (the
machine may be shared); model steps once each. The README quotes the output.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mesa.visualization import SpaceRenderer  # noqa: E402
from mesa.visualization.components import AgentPortrayalStyle  # noqa: E402

from viz import APP_SCENARIO  # noqa: E402
from viz.border_map import KIND_MARKERS, STATE_COLOURS, BorderMap, background, layer_portrayal  # noqa: E402
from viz.live import LiveBorderModel  # noqa: E402
from viz.panels import CURVES, LiveCurve  # noqa: E402


REPEAT = 3
"""Each drawing is timed this many times on the same day; the best time counts."""


def portrayal(agent):
    """One marker per traveller agent, as a plain Mesa portrayal would draw it."""
    if getattr(agent, "state", None) not in STATE_COLOURS:
        return AgentPortrayalStyle(size=0, alpha=0.0)
    return AgentPortrayalStyle(color=STATE_COLOURS[agent.state], marker=KIND_MARKERS[agent.kind], size=8)


def mesa_redraw(model) -> float:
    """Seconds for SpaceRenderer to draw structure, agents and layers anew and make a PNG."""
    t = time.perf_counter()
    renderer = SpaceRenderer(model, backend="matplotlib").setup_agents(portrayal)
    renderer.setup_propertylayer(layer_portrayal)
    renderer.draw_structure()
    renderer.draw_agents()
    renderer.draw_propertylayer()
    renderer.canvas.get_figure().savefig(io.BytesIO(), format="png", bbox_inches="tight")
    return time.perf_counter() - t


def timed(f, *args, repeat: int = 1) -> float:
    """Best of `repeat` wall times: the machine is shared, and the least disturbed run is the cost."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f(*args)
        best = min(best, time.perf_counter() - t)
    return best


def ms(values: list[float]) -> str:
    return f"mean {1000 * statistics.mean(values):6.0f} ms, max {1000 * max(values):6.0f} ms"


def cpu_time(model, border_map, live_curves) -> float:
    """CPU seconds this process spends redrawing once: what the drawing costs whatever else runs."""
    t = time.process_time()
    border_map.update(model)
    border_map.png()
    for curve in live_curves:
        curve.png(model)
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=APP_SCENARIO)
    ap.add_argument("--scale", type=int, default=40)
    ap.add_argument("--every", type=int, default=30, metavar="N", help="time the drawing every N days")
    ap.add_argument("--start", default="", metavar="YYYY-MM-DD", help="start from the scenario's history on this date")
    args = ap.parse_args()
    began = time.perf_counter()
    model = LiveBorderModel(scenario_name=args.scenario, scale=args.scale, start_date=args.start)
    if model.refused:
        ap.error(model.refused)
    ready = time.perf_counter() - began
    first = timed(background)
    border_map = BorderMap()
    live_curves = [LiveCurve(panel) for panel in CURVES]
    steps, maps, curves, totals, cpu, mesa, agents = [], [], [], [], [], [], []
    while model.running:
        step = timed(model.step)
        steps.append(step)
        if model.day % args.every and model.running:
            continue
        drawn = timed(lambda: (border_map.update(model), border_map.png()), repeat=REPEAT)
        panels = sum(timed(curve.png, model, repeat=REPEAT) for curve in live_curves)
        maps.append(drawn)
        curves.append(panels)
        totals.append(step + drawn + panels)
        cpu.append(cpu_time(model, border_map, live_curves))
        mesa.append(min(mesa_redraw(model) for _ in range(REPEAT)))
        agents.append(len(model.agents))
    print(f"scenario        {model.params.name}, {model.days - model.first_day} days, scale {model.scale}, "
          f"seed {model.params.run.seed}")
    if model.fork_date:
        print(f"start           from its history on {model.fork_date}: ready in {ready:.1f} s (the history "
              f"{model.history}, then the factual)")
    print(f"machine         {platform.machine()}, Python {platform.python_version()}, one process")
    print(f"sampled days    {len(maps)} (every {args.every} days), {min(agents):,}-{max(agents):,} agents alive")
    print(f"model step      {ms(steps)}  (all {len(steps)} days)")
    print(f"map             {ms(maps)}  (background drawn once: {1000 * first:.0f} ms)")
    print(f"three curves    {ms(curves)}")
    print(f"step + redraw   {ms(totals)}  (wall; CPU time of this process: {ms(cpu)})")
    print(f"Mesa redraw     {ms(mesa)}  (SpaceRenderer, one marker per agent, for comparison)")


if __name__ == "__main__":
    main()
