"""An unaccompanied child."""

from agents.traveller import EVADE, Traveller


class UnaccompaniedMinor(Traveller):
    """A child travelling without a parent: exempt from closures and (from 2021) from Title 42
    expulsion, referred to HHS after an encounter (Mexican children may be returned)."""

    kind = "uc"

    def choices(self) -> dict[int, float]:
        values = super().choices()
        if self.group != "mx":
            values.pop(EVADE, None)  # children from far away come to be found, not to hide
        return values
