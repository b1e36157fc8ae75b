"""Same seed and scenario give the same run; different seeds differ. (From an empty border: a fork
resumed from its history's state is checked bit for bit in test_fork.py.)"""

import pandas.testing as pdt

from model.model import BorderModel
from model.scenario import load
from tests.conftest import short


def test_same_seed_same_run():
    a = BorderModel(short("securing-the-border", days=90, seed=11, empty=True)).run()
    b = BorderModel(short("securing-the-border", days=90, seed=11, empty=True)).run()
    pdt.assert_frame_equal(a, b)


def test_different_seeds_differ():
    a = BorderModel(short("baseline", days=60, seed=1, empty=True)).run()
    b = BorderModel(short("baseline", days=60, seed=2, empty=True)).run()
    assert not a["encounters_usbp"].equals(b["encounters_usbp"])


def test_a_run_leaves_the_garbage_collector_as_it_found_it_and_no_cycles_behind():
    """The cyclic collector is paused while the days run (model.run): that is safe only while the
    model makes next to no reference cycles, and a run must not leave it switched off."""
    import gc

    gc.collect()
    model = BorderModel(short("title42", days=120, scale=60, empty=True))
    model.run()
    assert gc.isenabled()
    # Cyclic garbage the days left while the collector was paused (the model itself is still in use):
    # a few dozen objects in practice; agents or days caught in cycles would be thousands.
    assert gc.collect() < 500
    gc.disable()
    try:
        BorderModel(short("baseline", days=5, empty=True)).run()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_agent_registry_keeps_mesas_promises():
    """BorderModel registers agents without Mesa's per-agent debug line (model.register_agent): the
    registry still holds exactly the agents made and not removed, by type, with unique ids, and an
    observer of Mesa's agent signals still hears every one."""
    from mesa.experimental.mesa_signals import ModelSignals

    from agents.traveller import Traveller

    m = BorderModel(load("baseline").empty_start().with_values({"run.scale": 400, "run.end": "2024-01-20"}))
    added, removed = [], []

    def on_added(signal):
        added.append(signal.additional_kwargs["args"][0])

    def on_removed(signal):
        removed.append(signal.additional_kwargs["args"][0])

    m.observe("agents", ModelSignals.AGENT_ADDED, on_added)
    m.observe("agents", ModelSignals.AGENT_REMOVED, on_removed)
    before = set(m.agents)
    m.run()
    assert added and removed
    assert set(m.agents) == (before | set(added)) - set(removed)
    ids = [a.unique_id for a in m.agents]
    assert len(set(ids)) == len(ids)
    travellers = {a for a in m.agents if isinstance(a, Traveller)}
    assert travellers and set().union(*(set(s) for t, s in m.agents_by_type.items() if issubclass(t, Traveller))) \
        == travellers
