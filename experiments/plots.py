"""The one-page picture of a run: encounters against the closure rule, who waits in Mexico, outcomes.

Built on a bare `Figure` (Agg canvas) so it never touches pyplot's global state or needs a display.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from model.scenario import Scenario

WAITING = {"waiting_mexico": "in border cities (all)", "waiting_appointment": "for a CBP One appointment",
           "waiting_mpp": "in MPP", "waiting_after_expulsion": "after expulsion"}
OUTCOMES = {"expulsions": "expulsions", "removals": "removals", "releases": "releases", "paroles": "paroles",
            "mpp_enrollments": "MPP enrolments", "gotaways": "gotaways", "uc_referrals": "UC referrals to HHS"}
CLOSURE_COLOUR, TITLE42_COLOUR = "tab:red", "tab:purple"
THOUSANDS = FuncFormatter(lambda v, _: f"{v:,.0f}")


def _spans(dates: pd.Series, flag: pd.Series) -> list[tuple]:
    """(first, last + 1 day) of each run of days where `flag` is 1, for shading whole days."""
    on = flag.fillna(0).astype(int).to_numpy()
    edges = np.diff(np.concatenate([[0], on, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    day = pd.Timedelta(days=1)
    return [(dates.iloc[a], dates.iloc[b - 1] + day) for a, b in zip(starts, ends, strict=True)]


def closure_thresholds(scenario: Scenario, dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Activation and lift thresholds in force each day (NaN while no threshold rule applies).

    Timeline events can switch the rule on or move its thresholds, so they are followed day by day
    (a fork's: its held changes from its date, not the history's later events they replace)."""
    c = scenario.closure
    state = {"mode": c.mode, "activation": c.activation, "lift": c.lift}
    events = sorted(scenario.events, key=lambda ev: ev.date)
    activation, lift = np.full(len(dates), np.nan), np.full(len(dates), np.nan)
    i = 0
    for n, day in enumerate(dates.dt.date):
        while i < len(events) and events[i].date <= day:
            state.update({k: v for k, v in events[i].changes.get("closure", {}).items() if k in state})
            i += 1
        if state["mode"] == "threshold":
            activation[n], lift[n] = state["activation"], state["lift"]
    return activation, lift


def _level(values: np.ndarray) -> str:
    levels = np.unique(values[~np.isnan(values)])
    return f" ({levels[0]:,.0f}/day)" if len(levels) == 1 else ""


def _shade(ax, dates: pd.Series, daily: pd.DataFrame, label: bool) -> None:
    for col, colour, alpha, name in (("title42_active", TITLE42_COLOUR, 0.13, "Title 42 in force"),
                                     ("closure_active", CLOSURE_COLOUR, 0.15, "asylum closure in force")):
        if col not in daily:
            continue
        for n, (a, b) in enumerate(_spans(dates, daily[col])):
            ax.axvspan(a, b, color=colour, alpha=alpha, lw=0, label=name if label and n == 0 else None)


def encounters_panel(ax, daily: pd.DataFrame, scenario: Scenario, legend: bool = True) -> None:
    """Daily USBP and OFO encounters, the counted 7-day average, the closure thresholds in force,
    and the days under Title 42 or the closure shaded."""
    dates = pd.to_datetime(daily["date"])
    ax.plot(dates, daily["encounters_usbp"], lw=0.8, color="tab:blue", label="USBP encounters")
    ax.plot(dates, daily["encounters_ofo"], lw=0.8, color="tab:orange", label="OFO encounters (ports)")
    ax.plot(dates, daily["counted_7day_avg"], lw=2.4, color="black", label="counted 7-day average")
    activation, lift = closure_thresholds(scenario, dates)
    if not np.isnan(activation).all():
        ax.plot(dates, activation, ls="--", lw=1.6, color=CLOSURE_COLOUR, drawstyle="steps-post", zorder=4,
                label=f"closure activation{_level(activation)}")
        ax.plot(dates, lift, ls="--", lw=1.6, color="tab:green", drawstyle="steps-post", zorder=4,
                label=f"closure lift{_level(lift)}")
    _shade(ax, dates, daily, label=True)
    ax.set_ylabel("people per day")
    ax.set_title("Southwest border encounters", loc="left", fontsize=11)
    if legend:
        ax.legend(loc="upper left", fontsize=8, ncols=2, framealpha=0.9)


def waiting_panel(ax, daily: pd.DataFrame) -> None:
    """People waiting in Mexico at the end of each day, by why they wait."""
    dates = pd.to_datetime(daily["date"])
    for col, label in WAITING.items():
        ax.plot(dates, daily[col], lw=1.4, label=label)
    _shade(ax, dates, daily, label=False)
    ax.set_ylabel("people")
    ax.set_title("Waiting in Mexico (end of day)", loc="left", fontsize=11)
    ax.legend(loc="upper left", fontsize=8, ncols=2, framealpha=0.9)


def outcomes_panel(ax, daily: pd.DataFrame) -> None:
    """What happened to the people encountered (7-day means)."""
    dates = pd.to_datetime(daily["date"])
    for col, label in OUTCOMES.items():
        ax.plot(dates, daily[col].rolling(7, min_periods=1).mean(), lw=1.4, label=label)
    _shade(ax, dates, daily, label=False)
    ax.set_ylabel("people per day (7-day mean)")
    ax.set_title("Outcomes", loc="left", fontsize=11)
    ax.legend(loc="upper left", fontsize=8, ncols=4, framealpha=0.9)


def date_axis(ax, first, last) -> None:
    """Concise date ticks, thousands separators, a zero floor and whole days from `first` to `last`."""
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set_ylim(bottom=0)
    ax.grid(True, lw=0.4, alpha=0.5)
    ax.set_xlim(pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1))


def curves(daily: pd.DataFrame, scenario: Scenario, path) -> None:
    """Three stacked panels over the run's dates, saved as a PNG at `path`."""
    dates = pd.to_datetime(daily["date"])
    fig = Figure(figsize=(12, 10), layout="constrained")
    top, mid, low = fig.subplots(3, 1, sharex=True)
    encounters_panel(top, daily, scenario)
    waiting_panel(mid, daily)
    outcomes_panel(low, daily)
    for ax in (top, mid, low):
        date_axis(ax, dates.iloc[0], dates.iloc[-1])
    run = scenario.run
    fig.suptitle(f"{scenario.name}: {run.start} to {run.end}, seed {run.seed}, scale {run.scale} people/agent",
                 fontsize=13)
    fig.savefig(path, dpi=110)
