"""A single adult travelling alone."""

from agents.traveller import Traveller


class Migrant(Traveller):
    """A single adult: decides alone; counted by CBP as a single adult."""

    kind = "single"
