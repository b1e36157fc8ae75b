"""The rules, one by one: dispositions, exemptions, the counted series, Mexico's acceptance."""

import random

import pytest

from model.policy import ENTERED, Budget, Levers, Outcome, barred_by_closure, counted, disposition
from model.scenario import Scenario


def levers(**values):
    lev = Levers(Scenario().with_values(values))
    return lev


def dispo(lev, n=400, **who):
    rand = random.Random(5)
    out = []
    for _ in range(n):
        budget = Budget(rand)
        budget.new_day(lev, Scenario().run.start)
        out.append(disposition(lev, budget, rand, people=1, **who))
    return out


def share(outcomes, which):
    return sum(o == which for o in outcomes) / len(outcomes)


def entered(outcomes):
    """Released by Border Patrol, or released by ICE after a positive screening."""
    return sum(o in ENTERED for o in outcomes) / len(outcomes)


def test_unaccompanied_children_go_to_hhs_and_are_never_barred():
    lev = levers(**{"closure.mode": "always", "title42.active": True, "title42.expel_uc": 0.0})
    out = dispo(lev, group="nca", kind="uc", claims=False)
    assert set(out) == {Outcome.HHS}
    assert not barred_by_closure(lev, "uc", appointment=False)
    mexican = dispo(lev, group="mx", kind="uc", claims=False)
    assert share(mexican, Outcome.RETURN_MEXICO) == pytest.approx(0.6, abs=0.08)


def test_title42_expels_returnable_single_adults_and_most_families_are_processed():
    lev = levers(**{"title42.active": True})
    singles = dispo(lev, group="mx", kind="single", claims=True)
    assert share(singles, Outcome.EXPEL_MEXICO) == pytest.approx(0.9, abs=0.05)
    families = dispo(lev, group="nca", kind="family", claims=True)
    assert share(families, Outcome.EXPEL_MEXICO) == pytest.approx(0.2, abs=0.06)


def test_title42_uses_flights_for_nationalities_mexico_refuses():
    lev = levers(**{"title42.active": True, "mexico.accepts": ["mx"], "mexico.chnv_cap": 0.0})
    out = dispo(lev, group="other", kind="single", claims=True)
    assert Outcome.EXPEL_MEXICO not in out and share(out, Outcome.EXPEL_ORIGIN) > 0.8


def test_only_nationals_whose_country_takes_flights_are_flown_home():
    """Title 42 and Title 8 alike: a group whose countries take no flights is never flown home; with
    Mexico not taking it either, its expelled and ordered-removed people are released instead."""
    none = {"title42.active": True, "mexico.accepts": ["mx"], "mexico.chnv_cap": 0.0,
            "processing.flights_home": {"mx": 1.0, "nca": 1.0, "chnv": 1.0, "other": 0.0}}
    out = dispo(levers(**none), group="other", kind="single", claims=False)
    assert Outcome.EXPEL_ORIGIN not in out and Outcome.REMOVE_ORIGIN not in out
    assert set(out) == {Outcome.RELEASE}
    half = dispo(levers(**{**none, "processing.flights_home": {"mx": 1.0, "nca": 1.0, "chnv": 1.0, "other": 0.5}}),
                 n=2000, group="other", kind="single", claims=False)
    assert share(half, Outcome.EXPEL_ORIGIN) == pytest.approx(0.9 * 0.5, abs=0.04)
    # whether a country takes flights is one fact of the person: those it kept from an expulsion flight
    # are not flown under Title 8 either; only the half of those not expelled whose country takes flights
    assert share(half, Outcome.REMOVE_ORIGIN) == pytest.approx(0.1 * 0.5, abs=0.025)
    title8 = dispo(levers(**{"processing.flights_home": {"mx": 1.0, "nca": 1.0, "chnv": 0.0, "other": 1.0},
                             "mexico.chnv_cap": 1e6}), group="chnv", kind="single", claims=False)
    assert set(title8) == {Outcome.RETURN_MEXICO}  # Mexico takes them back within its monthly cap
    everyone = dispo(levers(**{"title42.active": False}), group="chnv", kind="single", claims=False)
    assert set(everyone) == {Outcome.REMOVE_ORIGIN}  # by default every country takes flights


def test_appointment_holders_are_exempt_from_closure_and_paroled():
    lev = levers(**{"closure.mode": "always"})
    assert not barred_by_closure(lev, "single", appointment=True)
    out = dispo(lev, group="chnv", kind="single", claims=True, appointment=True)
    assert share(out, Outcome.PAROLE) == pytest.approx(0.95, abs=0.04)


def test_closure_bars_asylum_except_those_who_manifest_fear_and_pass_the_higher_screen():
    on = levers(**{"closure.mode": "always", "processing.removal_capacity": 1e5})
    off = levers(**{"processing.removal_capacity": 1e5})
    barred = dispo(on, n=2000, group="nca", kind="single", claims=True)
    normal = dispo(off, n=2000, group="nca", kind="single", claims=True)
    # entered ~ manifest * screen, plus the compelling cases screened as usual: 0.98 * 0.25 * 0.35 + 0.02 * 0.75
    assert entered(barred) == pytest.approx(0.98 * 0.25 * 0.35 + 0.02 * 0.75, abs=0.03)
    assert entered(normal) == pytest.approx(0.75, abs=0.04)
    assert share(barred, Outcome.REMOVE_ORIGIN) > 0.85


def test_clp_lowers_the_screen_in_rate():
    out = dispo(levers(**{"clp.active": True}), n=2000, group="chnv", kind="single", claims=True)
    assert entered(out) == pytest.approx(0.46, abs=0.04)


def test_no_claim_means_removal_and_mexicans_go_back_across_the_line():
    assert set(dispo(levers(), group="mx", kind="single", claims=False)) == {Outcome.RETURN_MEXICO}


def test_mpp_returns_eligible_claimants_within_capacity():
    lev = levers(**{"mpp.active": True, "mpp.capacity": 1000})
    out = dispo(lev, group="nca", kind="family", claims=True)
    assert set(out) == {Outcome.MPP}
    assert Outcome.MPP not in dispo(lev, group="mx", kind="single", claims=True)


def test_capacity_is_drawn_down_and_holds_on_average_for_large_agents():
    rand = random.Random(1)
    lev = levers()
    took = 0
    for _ in range(2000):
        b = Budget(rand)
        b.new_day(lev, Scenario().run.start)
        b.mpp = 30.0
        took += b.take("mpp", 100.0)
    assert took / 2000 == pytest.approx(0.3, abs=0.04)


def test_counted_series_interim_excludes_non_mexican_children_final_counts_all():
    interim = levers(**{"closure.count_uc_noncontiguous": False})
    final = levers(**{"closure.count_uc_noncontiguous": True})
    assert not counted(interim, "uc", "nca") and counted(interim, "uc", "mx") and counted(interim, "single", "nca")
    assert counted(final, "uc", "nca")


def test_mexico_accepts_chnv_only_within_the_monthly_cap():
    from model.policy import mexico_takes
    lev = levers(**{"mexico.chnv_cap": 100.0})
    b = Budget(random.Random(0))
    b.new_day(lev, Scenario().run.start)
    assert mexico_takes(lev, b, "chnv", 60) and not mexico_takes(lev, b, "chnv", 60)
    assert mexico_takes(lev, b, "nca", 1e6)
