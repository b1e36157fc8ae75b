"""An unaccompanied child."""

from agents.traveller import Traveller


class UnaccompaniedMinor(Traveller):
    """A child travelling without a parent: exempt from closures and (from 2021) from Title 42
    expulsion, referred to HHS after an encounter (Mexican children may be returned)."""

    kind = "uc"
