"""Travellers are Mesa agents whose fields are rows of the population's arrays: each agent and its row
belong together for its whole life, rows are used again once their traveller has left, and the
calendar's wake-ups live in the rows."""

import numpy as np
import pytest

from agents.migrant import Migrant
from agents.population import NONE
from agents.traveller import Traveller
from model.model import BorderModel
from model.policy import Option
from model.states import State
from tests.conftest import short


@pytest.fixture(scope="module")
def model():
    m = BorderModel(short("securing-the-border", days=120, scale=200, empty=True))
    m.run()
    return m


def test_every_live_agent_owns_its_row_and_every_live_row_has_its_agent(model):
    p = model.population
    travellers = [a for a in model.agents if isinstance(a, Traveller)]
    assert travellers
    assert all(p.agent[t.row] is t and p.alive[t.row] and p.uid[t.row] == t.unique_id for t in travellers)
    live = np.flatnonzero(p.alive[:p.top])
    assert len(live) == len(travellers)
    assert sorted(t.row for t in travellers) == live.tolist()
    people = np.bincount(p.state[live], p.people[live], len(State))
    for s in State:  # the rows add up to the people the agents stand for, state by state
        assert people[s] == sum(t.people for t in travellers if t.state == s), s


def test_rows_of_travellers_who_left_are_used_again(model):
    p = model.population
    assert model.agent_id_counter > p.top  # more travellers were made than rows were ever used
    assert len(p.free) == p.top - int(p.alive[:p.top].sum())
    assert not p.alive[p.free].any() and (p.wake_day[p.free] == NONE).all()


def test_a_traveller_who_left_keeps_its_last_state_and_nothing_else():
    m = BorderModel(short("baseline", days=5, scale=200, empty=True))
    m.budget.new_day(m.levers, m.date)
    t = Migrant(m, "other", 0.9, 1.0, 60.0)
    t.city = 0
    m.processing.encounter(t, "usbp", Option.SURRENDER, "tucson")
    assert t.state == State.IN_CUSTODY and t.sector == "tucson" and t.encounters == 1
    row = t.row
    m.processing.enter_us(t.rows, State.RELEASED)
    assert t.state == State.RELEASED and t.people == m.scale and t.cell is None
    assert t not in set(m.agents)
    with pytest.raises(AttributeError, match="has left the model"):
        _ = t.city
    newcomer = Migrant(m, "mx", 0.1, 1.0, 60.0)
    assert newcomer.row == row and newcomer.state == State.TRAVELLING and newcomer.encounters == 0
    assert t.state == State.RELEASED  # the row's new traveller does not change what the old one shows


def test_a_new_wake_up_replaces_the_old_and_a_cancelled_one_never_comes():
    m = BorderModel(short("baseline", days=5, scale=200, empty=True))
    a, b, c = (Migrant(m, "other", 0.5, 1.0, 60.0) for _ in range(3))
    m.calendar.add_all(10, np.array([a.row, b.row, c.row]), "decide")
    m.calendar.add(12, b, "arrive")  # b's plans change
    m.calendar.cancel(c.rows)  # c joins a line
    due = m.calendar.due(10)
    assert due["decide"].tolist() == [a.row] and not len(due["arrive"])
    assert m.calendar.due(12)["arrive"].tolist() == [b.row]
    assert not len(m.calendar.due(10)["decide"])  # a wake-up comes once
    assert len(m.calendar) == 0
