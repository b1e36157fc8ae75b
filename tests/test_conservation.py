"""Every person is in exactly one state at every day's end; the pressure minus exits equals the stock."""

from model.model import BorderModel
from model.states import EXITS, State
from tests.conftest import short

LIVE = [s for s in State if s not in EXITS and s not in (State.REMOVED, State.TRANSFERRED_SOUTH)]


def check_day(m):
    census = m.census.people
    assert sum(census) == m.census.arrived
    assert all(n >= 0 for n in census)
    recount = m.recount()
    for s in LIVE:  # agents in these states are all still in the model
        assert recount[s] == census[s], s
    for s in (State.REMOVED, State.TRANSFERRED_SOUTH):  # some retired, none invented
        assert recount[s] <= census[s]


def test_people_are_conserved_through_every_regime():
    # The historical timeline from late 2022 through 2025 passes Title 42, its end, CBP One,
    # the threshold closure (both rules) and the January 2025 measures.
    s = short("historical", days=1100, scale=200).with_values({"run.start": "2022-10-01", "run.end": "2025-08-31"})
    m = BorderModel(s)
    for _ in range(s.days):
        m.step()
        check_day(m)
    df = m.daily()
    people = df[[f"people_{s.name.lower()}" for s in State]].sum(axis=1)
    exits = df[[f"people_{s.name.lower()}" for s in EXITS]].sum(axis=1)
    assert (people == df["pressure"].cumsum()).all()  # everyone who ever considered leaving is in some state
    out = df[["releases", "paroles", "uc_referrals", "gotaways", "gave_up", "stayed_home"]].sum(axis=1).cumsum()
    assert (people - exits == df["pressure"].cumsum() - out).all()  # flows out match the exit stocks
    assert df["encounters_usbp"].sum() > 0 and df["closure_active"].sum() > 0 and df["title42_active"].sum() > 0
    assert df["people_ice_detention"].max() > 0 and df["transfers_ice"].sum() > 0  # ICE detention is a state
    assert (df["releases"] >= df["releases_usbp"] + df["releases_ice"]).all()  # both are parts of all releases


def test_encounter_splits_add_up():
    df = BorderModel(short("title42", days=60, empty=True)).run()
    for c in ("usbp", "ofo"):
        parts = sum(df[f"encounters_{c}_{d}"] for d in ("single_adults", "family_members", "uc"))
        assert (parts == df[f"encounters_{c}"]).all()
    assert (df["repeat_encounters"] + df["unique_encountered"] == df["encounters_usbp"] + df["encounters_ofo"]).all()
    from model.border import SECTORS
    assert (sum(df[f"encounters_usbp_{s}"] for s in SECTORS) == df["encounters_usbp"]).all()
