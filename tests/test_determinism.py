"""Same seed and scenario give the same run; different seeds differ. (From an empty border: a fork
resumed from its history's state is checked bit for bit in test_fork.py.)"""

import pandas.testing as pdt

from model.model import BorderModel
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
