"""borderflow's model: the border grid, the rules, the timeline and the scenario."""

__version__ = "0.1.0"
