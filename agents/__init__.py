"""The agents of borderflow, one module per kind."""

from agents.cbp import AppointmentSystem, BorderPatrolSector, PortOfEntry
from agents.family import Family
from agents.mexico import MexicanAuthority
from agents.migrant import Migrant
from agents.minor import UnaccompaniedMinor
from agents.traveller import Traveller

__all__ = ["Traveller", "Migrant", "Family", "UnaccompaniedMinor", "BorderPatrolSector", "PortOfEntry",
           "AppointmentSystem", "MexicanAuthority"]
