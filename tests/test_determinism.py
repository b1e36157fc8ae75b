"""Same seed and scenario give the same run; different seeds differ."""

import pandas.testing as pdt

from model.model import BorderModel
from tests.conftest import short


def test_same_seed_same_run():
    a = BorderModel(short("securing-the-border", days=90, seed=11)).run()
    b = BorderModel(short("securing-the-border", days=90, seed=11)).run()
    pdt.assert_frame_equal(a, b)


def test_different_seeds_differ():
    a = BorderModel(short("baseline", days=60, seed=1)).run()
    b = BorderModel(short("baseline", days=60, seed=2)).run()
    assert not a["encounters_usbp"].equals(b["encounters_usbp"])
