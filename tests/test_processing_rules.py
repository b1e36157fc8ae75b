"""Processing follows the rules when capacity runs short: holding, detention, ICE beds and removal
flights, each drawn down in its own unit; the re-entry bar; the January 2025 measures; and the
rules' outlook agrees with the dispositions case by case."""

import math
import random

import pytest

from agents.family import Family
from agents.migrant import Migrant
from model.model import BorderModel
from model.params import GROUPS, KINDS
from model.policy import (
    ENTERED, FAR, Budget, Levers, Option, Outcome, appointments_open, disposition, outlook, port_takes,
    reentry_outlook,
)
from model.scenario import Scenario
from model.states import State
from tests.conftest import first_levers, short


def model(name="baseline", scale=10, **changes):
    """A regime's model on its first day, from an empty border (the rules, not the state, are tested)."""
    m = BorderModel(short(name, days=30, scale=scale, empty=True))
    if changes:
        m.levers = m.levers.apply(changes)
    m.budget.new_day(m.levers, m.date)
    return m


def migrant(m, group="other", claim=0.9):
    t = Migrant(m, group, claim, 1.0, 60.0)
    t.city = 0
    return t


def run_calendar(m, days):
    """Carry out every book-out due in the next `days` days (the rest of the day is not stepped)."""
    for day in range(m.day, m.day + days):
        m.day = day
        m.processing.book_out_all(m.calendar.due(day)["book_out"])


def test_holding_full_releases_before_a_screening_and_never_turns_a_removal_into_a_release():
    m = model()
    m.processing.holding = m.levers.border_patrol.holding_capacity  # Border Patrol's holding is full
    er = m.budget.er
    claimants = [migrant(m, claim=0.9) for _ in range(20)]
    removable = [migrant(m, claim=0.0) for _ in range(30)]
    for t in claimants + removable:
        m.processing.encounter(t, "usbp", Option.SURRENDER, "tucson")
    assert m.budget.er == er  # nobody was held for a screening, so no detention place was charged
    assert {t.outcome for t in claimants} == {Outcome.RELEASE}
    assert {t.outcome for t in removable} == {Outcome.REMOVE_ORIGIN}
    run_calendar(m, 3)
    people = removable[0].people
    assert m.today["releases_usbp"] == 20 * people and m.today["transfers_ice"] == 30 * people
    assert m.today["releases_ice"] == 0  # ICE had beds and flights: nobody ordered removed was released
    seats = (m.budget.flight_clock - (2 + m.levers.processing.removal_days)) * m.levers.processing.removal_capacity
    assert seats == pytest.approx(m.census.people[State.ICE_DETENTION]) == pytest.approx(30 * people)
    run_calendar(m, 30)
    assert m.today["removals"] == 30 * people and m.census.people[State.ICE_DETENTION] == 0


def test_ice_releases_only_when_its_beds_are_full():
    m = model(processing={"ice_beds": 0.0})
    ts = [migrant(m, claim=0.0) for _ in range(5)]
    for t in ts:
        m.processing.encounter(t, "usbp", Option.SURRENDER, "tucson")
    run_calendar(m, 3)
    assert m.today["releases_ice"] == m.today["transfers_ice"] == 5 * ts[0].people
    assert m.budget.flight_clock == 0.0  # no seat was held for anyone released


def test_family_detention_is_drawn_down_in_families():
    m = model(scale=5)
    m.budget.family_detention = 12.0  # families
    f = Family(m, "other", 0.9, 1.0, 60.0, adults=1, children=2)
    f.city = 0
    m.processing.encounter(f, "usbp", Option.SURRENDER, "tucson")
    assert f.people == 15 and m.budget.family_detention == 7.0  # one agent: `scale` = 5 families
    rand = random.Random(0)
    b = Budget(rand)
    b.new_day(Levers(Scenario()), Scenario().run.start)
    b.family_detention = 10.0
    out = [disposition(Levers(Scenario()), b, rand, group="other", kind="family", claims=True, people=15,
                       families=5) for _ in range(3)]
    assert b.family_detention == 0.0 and out[2] == Outcome.RELEASE and Outcome.RELEASE not in out[:2]


def test_reinstatement_within_the_bar_not_after():
    m = model(processing={"reasonable_fear": 0.0, "prosecution": 1.0, "screen_in": 1.0})
    inside, after = migrant(m), migrant(m)
    inside.barred_until, after.barred_until = m.day + 10, m.day - 1
    m.processing.encounter(inside, "usbp", Option.SURRENDER, "tucson")
    m.processing.encounter(after, "usbp", Option.SURRENDER, "tucson")
    assert inside.outcome == Outcome.REMOVE_ORIGIN  # no credible-fear screening; reasonable fear fails
    assert after.outcome == Outcome.ICE_RELEASE  # screened as usual
    assert m.today["reinstatements"] == m.today["prosecutions"] == inside.people
    run_calendar(m, 20)
    assert inside.barred_until - m.day > 365 * 4  # a new bar from the removal
    lev = first_levers("jan-2025")
    assert reentry_outlook(lev) == (lev.closure.residual, lev.processing.prosecution)
    assert reentry_outlook(Levers(Scenario())) == (0.25, 0.1)


def test_jan_2025_removes_claimants_without_the_2024_screening():
    def entered(name):
        lev = first_levers(name)
        rand, out = random.Random(11), []
        for _ in range(3000):
            b = Budget(rand)
            b.new_day(lev, Scenario().run.start)
            out.append(disposition(lev, b, rand, group="nca", kind="single", claims=True, people=1))
        return sum(o in ENTERED for o in out) / len(out)

    jan, stb = entered("jan-2025"), entered("securing-the-border")
    residual = first_levers("jan-2025").closure.residual
    assert jan == pytest.approx(residual, abs=0.008)
    assert stb > jan + 0.05


AMPLE = {"processing": {"er_capacity": 1e5, "family_detention": 1e5}, "title42": {"flight_capacity": 1e5},
         "mpp": {"capacity": 1e5, "enrolled_share": 1.0}}


def lever_sets():
    yield "baseline", Levers(Scenario())
    yield "title42", first_levers("title42")
    yield "clp", Levers(Scenario().with_values({"clp.active": True}))
    yield "closure", first_levers("securing-the-border")
    yield "jan-2025", first_levers("jan-2025")
    yield "mpp", first_levers("mpp")
    yield "few-flights", first_levers("title42").apply(
        {"processing": {"flights_home": {"mx": 1.0, "nca": 0.7, "chnv": 0.0, "other": 0.4}}})


@pytest.mark.parametrize("name,base", list(lever_sets()), ids=[n for n, _ in lever_sets()])
def test_outlook_agrees_with_disposition_case_by_case(name, base):
    lev = base.apply(AMPLE)
    assert lev.closure_in_force == (name in ("closure", "jan-2025"))
    n, rand = 1500, random.Random(7)
    caught = {Option.SURRENDER: lev.border_patrol.surrender_caught, Option.PORT: 1.0, Option.APPOINTMENT: 1.0}
    for group in GROUPS:
        for kind in KINDS:
            for claims in (False, True):
                for option, c in caught.items():
                    enter, far = outlook(lev, group, kind, claims, option, 0.8)
                    if (option == Option.PORT and not port_takes(lev, kind)) or (
                            option == Option.APPOINTMENT and not appointments_open(lev, kind)):
                        assert (enter, far) == (0.0, 0.0)
                        continue
                    budget = Budget(rand)
                    budget.new_day(lev, Scenario().run.start)
                    e = f = 0.0
                    far_if_removed = 0.0 if group == "mx" else 1.0
                    for _ in range(n):
                        o = disposition(lev, budget, rand, group=group, kind=kind, claims=claims, people=1,
                                        families=1, appointment=option == Option.APPOINTMENT)
                        if o == Outcome.MPP:  # the outlook's view: relief is rare, else removal after the hearing
                            e += lev.mpp.relief
                            f += (1 - lev.mpp.relief) * far_if_removed
                        else:
                            e += o in ENTERED
                            f += o in FAR
                    for what, p, observed in (("enter", enter, (1 - c) + c * e / n), ("far", far, c * f / n)):
                        tol = 4.5 * math.sqrt(max(p * (1 - p), 1e-4) / n)
                        assert observed == pytest.approx(p, abs=tol), (name, group, kind, claims, option.name, what)


def test_a_decider_within_the_bar_weighs_reinstatement_and_prosecution():
    """Back in a border city after a removal order, crossing is judged by the reinstatement rules:
    a claim is heard only at the reasonable-fear standard, and a prosecution may follow."""
    from agents.choosing import Deciders, option_values
    from agents.valuation import EVADE, PORT, SURRENDER

    def values(barred, **processing):
        m = model(processing=processing)
        m.read_news()
        m.crowding = m.city_crowding()
        t = migrant(m, group="nca", claim=0.9)
        t.belief = [0.6, 0.2, 0.5, 0.2, 0.0, 0.0]
        t.barred_until = m.day + (100 if barred else -1)
        return option_values(m, Deciders(m, t.rows))[0][0]

    free, barred = values(False), values(True)
    for option in (SURRENDER, PORT):
        assert barred[option] < free[option] - 0.05  # a screened-in chance of 0.25, not 0.6 or 0.5
    assert barred[EVADE] < free[EVADE]  # a caught evader is reinstated too
    # Nothing narrower than their own belief and no prosecution: the bar changes nothing.
    same = dict(reasonable_fear=1.0, prosecution=0.0)
    assert values(True, **same)[:3].tolist() == pytest.approx(values(False, **same)[:3].tolist())
    # Prosecution alone costs every way of being encountered, an evader only if caught.
    only = dict(reasonable_fear=1.0, prosecution=1.0)
    cost = values(False, **only)[:3] - values(True, **only)[:3]  # surrender, evade, port (appointments are shut)
    assert cost[SURRENDER] > 0 and cost[PORT] == pytest.approx(cost[SURRENDER])
    assert 0 < cost[EVADE] < cost[SURRENDER]
