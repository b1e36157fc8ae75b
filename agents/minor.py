"""An unaccompanied child."""

from agents.traveller import Traveller


class UnaccompaniedMinor(Traveller):
    """A child travelling without a parent: exempt from closures and (from 2021) from Title 42
    expulsion, referred to HHS after an encounter (Mexican children may be returned)."""

    kind = "uc"

    def can_evade(self) -> bool:
        """Children from far away come to be found, not to hide."""
        return self.group == "mx"
