"""Leaving home is a decision: with a known pressure and the same seed, the rules in force and
the news change how many set out, and when.

Every comparison runs the same scenario and seed, so the runs share their random numbers
until the policy makes them differ. They are tests of mechanics, from an empty border on 1 January
2024: the responses to a tightening or the news are measured with `baseline`'s levers on the model's
default pressure and behaviour (`on_defaults`), and the regimes are compared from their empty start."""

import dataclasses
import datetime as dt

import pytest

from model.model import BorderModel
from model.scenario import TimelineEvent
from model.states import State
from tests.conftest import on_defaults, run

START = dt.date(2024, 1, 1)
CLOSE = {"closure": {"mode": "always"}, "ports": {"asylum_open": False}}
"""A tightening: asylum suspended between ports and ports closed to asylum."""


def with_events(scenario, *events):
    """`scenario` with `events` added to its timeline (after its own events of the same day)."""
    return dataclasses.replace(scenario, timeline=tuple(sorted((*scenario.timeline, *events), key=lambda e: e.date)))


def departures(df, first: int, last: int) -> float:
    return df["departures"].iloc[first:last].sum()


def daily(scenario):
    return BorderModel(scenario).run()


@pytest.fixture(scope="module")
def title8():
    return on_defaults("baseline", days=180, scale=60, seed=5)


def test_a_tightening_lowers_departures_after_the_news_lag(title8):
    same = daily(title8)
    tight = daily(with_events(title8, TimelineEvent(START + dt.timedelta(days=60), CLOSE, "closure")))
    assert departures(tight, 0, 60) == departures(same, 0, 60)  # common random numbers until the change
    lag = title8.behaviour.info_lag_days + title8.behaviour.origin_lag_days
    assert departures(tight, 60 + lag, 180) < 0.8 * departures(same, 60 + lag, 180)


def test_a_loosening_raises_departures(title8):
    closed = with_events(title8, TimelineEvent(START, CLOSE, "closure"))
    stays = daily(closed)
    opens = daily(with_events(closed, TimelineEvent(START + dt.timedelta(days=60),
                                                     {"closure": {"mode": "off"}, "ports": {"asylum_open": True}},
                                                     "reopened")))
    assert departures(opens, 90, 180) > 1.25 * departures(stays, 90, 180)


def test_an_announced_tightening_brings_a_surge_before_its_date(title8):
    """Six seeds, each the same run with the change announced 60 days ahead or not announced. The
    surge is about 5% of the window's departures; one seed's departures vary by about 4% once the
    runs part, so the seeds are summed."""
    effective, known = START + dt.timedelta(days=100), START + dt.timedelta(days=40)
    weighed = 100 - title8.behaviour.anticipation_days  # from when the change weighs on decisions
    before = {"announced": 0.0, "unannounced": 0.0}
    for seed in range(5, 11):
        scenario = title8.with_values({"run.seed": seed})
        unannounced = daily(with_events(scenario, TimelineEvent(effective, CLOSE, "closure")))
        announced = daily(with_events(scenario, TimelineEvent(effective, CLOSE, "closure", known)))
        assert departures(announced, 0, 40) == departures(unannounced, 0, 40)
        before["announced"] += departures(announced, weighed, 100)
        before["unannounced"] += departures(unannounced, weighed, 100)
    assert before["announced"] > 1.03 * before["unannounced"]


def test_announcing_a_change_that_changes_nothing_moves_little(title8):
    """The surge above comes from what the change does, not from its being announced. (One seed's
    departures over 45 days vary by about 4% with the random numbers, so four seeds are summed.)"""
    effective, known = START + dt.timedelta(days=100), START + dt.timedelta(days=40)
    same = {"courts": {"judges": title8.courts.judges}}
    quiet = told = 0.0
    for seed in (5, 6, 7, 8):
        scenario = title8.with_values({"run.seed": seed})
        quiet += departures(daily(with_events(scenario, TimelineEvent(effective, same, "no change"))), 55, 100)
        told += departures(daily(with_events(scenario, TimelineEvent(effective, same, "no change", known))), 55, 100)
    assert told == pytest.approx(quiet, rel=0.03)


def test_january_2025_rules_give_far_fewer_border_patrol_encounters_than_june_2024():
    june = run("securing-the-border", days=180, scale=60, empty=True)
    january = run("jan-2025", days=180, scale=60, empty=True)
    assert january["encounters_usbp"].sum() < 0.5 * june["encounters_usbp"].sum()
    assert january["stayed_home"].sum() > june["stayed_home"].sum()


def test_june_2024_rules_give_fewer_border_patrol_encounters_than_title_8_with_releases():
    june = run("securing-the-border", days=180, scale=60, empty=True)
    title8 = run("baseline", days=180, scale=60, empty=True)
    assert june["encounters_usbp"].sum() < title8["encounters_usbp"].sum()


def test_a_closure_that_exempts_children_raises_their_share_of_departures_and_encounters(title8):
    off = daily(title8)
    on = daily(with_events(title8, TimelineEvent(START, {"closure": {"mode": "always"}}, "closure")))
    share = lambda d: d["encounters_usbp_uc"].sum() / d["encounters_usbp"].sum()  # noqa: E731
    assert share(on) > 1.5 * share(off)


@pytest.mark.parametrize("change, direction", [
    ({"courts.judges": 2000}, -1),  # decisions come sooner: a stay through the courts is worth less
    ({"courts.closure_rate": 0.3}, +1),  # more cases closed: more chance to stay for good
])
def test_courts_move_the_number_who_set_out(title8, change, direction):
    before = daily(title8)["departures"].sum()
    after = daily(title8.with_values(change))["departures"].sum()
    assert (after - before) * direction > 0.02 * before


def test_people_at_home_cost_nothing_per_day_and_are_counted(title8):
    """People considering leaving are counts in classes, not agents; the census agrees with them."""
    m = BorderModel(title8)
    for _ in range(60):
        m.step()
    assert m.census.people[State.CONSIDERING] == m.origins.people() > 0
    travellers = sum(1 for a in m.agents if hasattr(a, "state"))
    assert travellers * m.scale < m.census.arrived


def test_a_dated_backlog_takes_effect_and_reaches_decisions(title8):
    """A timeline event that sets the pending caseload replaces the model's count on its date;
    a longer wait for a decision makes a stay through the courts worth more."""
    later = START + dt.timedelta(days=30)
    m = BorderModel(with_events(title8, TimelineEvent(later, {"courts": {"backlog": 5_000_000}}, "backlog")))
    for _ in range(30):
        m.step()
    before = m.worth.entry
    m.step()
    day = m.rows[-1]  # the event sets the count in the morning; the day's releases join, judges complete
    assert (5_000_000 - day["court_completions"] - day["court_closures"] <= m.courts.backlog
            <= 5_000_000 + day["releases"] + day["paroles"])
    assert m.worth.entry > before
