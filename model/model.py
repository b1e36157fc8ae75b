"""BorderModel: the Mesa model of people moving toward and across the US-Mexico border."""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from mesa import Model
from mesa.agentset import _HardKeyAgentSet  # Mesa's own registry set (see register_agent)
from mesa.experimental.mesa_signals import ModelSignals
from mesa.time import Schedule

from agents import AppointmentSystem, BorderPatrolSector, MexicanAuthority, PortOfEntry
from agents import choosing
from agents.cbp import CITY_SECTOR, port_waits, reallocate, watch_the_line
from agents.choosing import outlook_array
from agents.origin import OriginCommunities
from agents.population import NONE, Population
from agents.routes import pull_today, usual_pull
from agents.traveller import learn_all, move_all
from agents.valuation import Worth, sector_arrays
from model.border import CITIES, SECTORS, Border
from model.calendar import Calendar
from model.courts import Courts
from model.information import Information
from model.policy import Budget, Levers, Option, outlook_table
from model.processing import Processing
from model.records import COLUMNS
from model.scenario import Scenario
from model.states import WAITING_IN_MEXICO, Census, State
from model.threshold import ThresholdController
from model.timeline import Timeline


DECIDING = np.isin(np.arange(len(State)), (State.STAGING, State.AFTER_EXPULSION, State.WAITING_APPOINTMENT))
"""By state: who decides in a border city when the day comes (those picked up by Mexico that day do not)."""
EMPTY_ROW = dict.fromkeys(COLUMNS, 0.0)
"""A day's row before anything is counted (copied each day: cheaper than building it)."""
PEOPLE_COLUMNS = [f"people_{s.name.lower()}" for s in State]
"""The census's columns, in `State` order."""


class BorderModel(Model):
    """One scenario, day by day. `run()` returns the daily table in people."""

    def __init__(self, scenario: Scenario | None = None):
        scenario = scenario or Scenario()
        super().__init__(rng=scenario.run.seed)
        self.params = scenario
        self.start, self.days = scenario.run.start, scenario.days
        self.scale = scenario.run.scale
        self.beh = scenario.behaviour
        self.day = 0
        self.first_day = 0  # the first day of the daily table: a fork's date, else the start
        self.border = Border(self.random, scenario.geography)
        self.census = Census()
        self.population = Population()
        self.calendar = Calendar(self.population)
        self.info = Information(self.beh.info_lag_days, self.beh.info_halflife_days, self.beh.prior_weight)
        self.levers = Levers(scenario)
        self.timeline = Timeline(self, scenario.events)  # may change the levers in force at the start
        self.budget = Budget(self.random)
        self.processing = Processing(self)
        self.courts = Courts(self.levers.courts.backlog)  # after the events in force at the start
        self.controller: ThresholdController | None = None
        self.counted_series: list[float] = []
        bp = self.levers.border_patrol
        self.sectors = [BorderPatrolSector(self, s, bp.agents * bp.allocation[s]) for s in SECTORS]
        self.sector_of = {s.sector: s for s in self.sectors}
        self.ports = [PortOfEntry(self, i) for i in range(len(CITIES))]
        self.appointments = AppointmentSystem(self)
        self.mexico = MexicanAuthority(self)
        self.origins = OriginCommunities(self)
        self.reach_index, self.sector_danger_array, self.city_danger = sector_arrays(self.border)
        self.route_base = usual_pull(self.border)
        by_sector = self.border.cities_by_sector
        width = max(len(c) for c in by_sector.values())
        self.cities_in_sector = np.array([by_sector[s] + [NONE] * (width - len(by_sector[s])) for s in SECTORS])
        """Each sector's border cities (padded with NONE): where CBP returns people it met there."""
        self.crowding = [0.0] * len(CITIES)
        self.catch_array = np.zeros(len(SECTORS) + 1)  # today's shared catch rate by sector (see `read_news`)
        self.shelter = np.asarray(self.border.shelter, dtype=float)  # places in each city's shelters
        self.outlook = outlook_table(self.levers, bp.apprehension)
        self._outlook_read = None  # the outlook table `outlook_array` was made from
        self.today: defaultdict[str, float] = defaultdict(float)
        self.crossings: list[tuple[np.ndarray, np.ndarray]] = []  # today's crossers: (rows, choices)
        self.rows: list[dict] = []
        self.events: Counter[str] = Counter()
        """Agent-events so far, by kind: what a run costs grows with these (benchmarks/ report them)."""
        self.schedule_recurring(self.reallocate_patrol, Schedule(interval=7, start=7.5))
        self.border.set_bp_presence({s.sector: s.agents for s in self.sectors})

    # -- Mesa's agent registry, without a per-agent debug log -----------------------------
    def register_agent(self, agent) -> None:
        """Mesa's own bookkeeping (`Model.register_agent`): the agent in `model.agents` and its type's
        AgentSet, with a unique id, and the AGENT_ADDED signal to whoever observes it. Mesa also formats
        a debug-log line for every agent, whether or not debug logging is on: with hundreds of thousands
        of travellers made and removed in a run, that line and the signal's wrapper were a tenth of
        the run's time, so they are skipped here (the signal is still sent when someone listens)."""
        self._all_agents.add(agent)
        agent.unique_id = self.agent_id_counter
        self.agent_id_counter += 1
        try:
            self._agents_by_type[type(agent)].add(agent)
        except KeyError:
            self._agents_by_type[type(agent)] = _HardKeyAgentSet([agent], random=self.random)
        if ("agents", ModelSignals.AGENT_ADDED) in self.subscribers:
            self.notify("agents", ModelSignals.AGENT_ADDED, args=(agent,))

    def register_all(self, agents: list, by_class: dict[type, list]) -> None:
        """`register_agent` for a batch made together (a day's leavers from home), numbered in order
        from the next unique id (the maker has set each one's): the registry and each type's set
        filled in one update each. `by_class` holds the same agents by their class."""
        self.agent_id_counter += len(agents)
        self._all_agents._agents.update(dict.fromkeys(agents))
        for kind, members in by_class.items():
            if kind not in self._agents_by_type:
                self._agents_by_type[kind] = _HardKeyAgentSet([], random=self.random)
            self._agents_by_type[kind]._agents.update(dict.fromkeys(members))
            for dataset in kind._datasets:
                for agent in members:
                    self.data_registry[dataset].add_agent(agent)
        if ("agents", ModelSignals.AGENT_ADDED) in self.subscribers:
            for agent in agents:
                self.notify("agents", ModelSignals.AGENT_ADDED, args=(agent,))

    def deregister_agent(self, agent) -> None:
        """Mesa's `Model.deregister_agent` without the debug-log line (see `register_agent`)."""
        self._agents_by_type[type(agent)].remove(agent)
        self._all_agents.remove(agent)
        if ("agents", ModelSignals.AGENT_REMOVED) in self.subscribers:
            self.notify("agents", ModelSignals.AGENT_REMOVED, args=(agent,))

    def deregister_all(self, agents: list) -> None:
        """`deregister_agent` for a batch of agents leaving together (a day's retirements):
        the same two dictionary deletions each, without a call per agent. Agents of a kind some
        Mesa dataset tracks, or with someone observing removals, go one by one through Mesa."""
        if ("agents", ModelSignals.AGENT_REMOVED) in self.subscribers:
            for agent in agents:
                agent.remove()
            return
        everyone, by_type = self._all_agents._agents, self._agents_by_type
        for agent in agents:
            kind = type(agent)
            if kind._datasets:
                agent.remove()
                continue
            del everyone[agent]
            del by_type[kind]._agents[agent]

    # -- the day ------------------------------------------------------------------------
    def step(self) -> None:
        """One day. (Dated policy events have already fired, as Mesa events, before it.)"""
        self.update_closure()  # 1. policy: the threshold controller reads yesterday's count
        self.read_news()
        due = self.calendar.due(self.day)
        self.tally(due)
        self.leave_home(due["reconsider_home"])  # 2. who sets out from home, and who stays
        arrived = self.move_in_mexico(due["arrive"])  # 3. arrivals in border cities; Mexico's checks
        self.decide(arrived, due["decide"], due["mpp"])  # 4. decisions in border cities
        self.events["crossings"] += sum(len(rows) for rows, _ in self.crossings)
        self.cross_and_present()  # 5. crossings, Border Patrol, ports, appointments
        self.processing.book_out_all(due["book_out"])  # 6-7. outcomes of processing and their consequences
        self.courts.work(self.levers.courts, self.today)
        self.info.end_of_day()  # 8. outcomes travel to others
        self.record()  # 9.
        self.day += 1

    def tally(self, due: dict) -> None:
        """Count today's wake-ups as agent-events (departures are counted as they happen)."""
        self.events["reconsiderations"] += len(due["reconsider_home"])
        self.events["arrivals"] += len(due["arrive"])
        self.events["book_outs"] += len(due["book_out"])

    def update_closure(self) -> None:
        levers = self.levers
        was = levers.closure_in_force
        levers.closure_in_force = self.timeline.closure_today(levers, self.counted_series)
        if levers.closure_in_force != was:  # what the rules imply changes with the suspension
            self.outlook = outlook_table(levers, levers.border_patrol.apprehension)
        self.budget.new_day(levers, self.date)

    def leave_home(self, returned: np.ndarray) -> None:
        """People considering leaving, and people back home after a removal or moved south,
        decide whether to set out (see agents/origin.py)."""
        self.origins.day()
        self.origins.reconsider(returned)

    def move_in_mexico(self, arriving: np.ndarray) -> np.ndarray:
        self.mexico.sweep_cities()
        self.crowding = self.city_crowding()
        return self.mexico.checkpoints(arriving)

    def decide(self, arrived: np.ndarray, due: np.ndarray, in_mpp: np.ndarray) -> None:
        """Everyone in a border city whose day to decide it is (today's arrivals first), and MPP
        enrollees taking stock of their case."""
        p = self.population
        deciding = np.concatenate([arrived, due])
        self.events["decisions"] += len(deciding) + len(in_mpp)
        waiting = deciding[p.state[deciding] == State.WAITING_APPOINTMENT]  # patience ran out before an appointment
        self.appointments.withdraw(waiting)
        move_all(self, waiting, State.STAGING)
        choosing.decide(self, deciding[DECIDING[p.state[deciding]]])  # not picked up by Mexico today
        choosing.take_stock_in_mpp(self, in_mpp)

    def cross_and_present(self) -> None:
        crossings, self.crossings = self.crossings, []
        if crossings:
            rows, chosen = (np.concatenate(part) for part in zip(*crossings, strict=True))
            met, options, sectors = watch_the_line(self, rows, chosen)
            self.processing.encounter_all(met, "usbp", options, sectors)
        seen, turned = [], []
        for port in self.ports:
            if port.line:
                port.process(seen, turned)
        if seen:
            seen = np.array(seen, dtype=np.intp)
            self.processing.encounter_all(seen, "ofo", np.full(len(seen), Option.PORT), np.full(len(seen), NONE))
        if turned:
            turned = np.array(turned, dtype=np.intp)
            move_all(self, turned, State.STAGING)  # a port closed to their asylum claims turned them away
            learn_all(self, turned, np.full(len(turned), Option.PORT), np.zeros(len(turned)), np.zeros(len(turned)))
            self.calendar.add_all(self.day + 1, turned, "decide")
        holders = self.appointments.allocate()
        if len(holders):
            self.today["appointments"] += float(self.population.people[holders].sum())
            self.processing.encounter_all(holders, "ofo", np.full(len(holders), Option.APPOINTMENT),
                                          np.full(len(holders), NONE), appointment=True)

    def record(self) -> None:
        """The day's row: today's flows, the census's stocks at the day's end, the rules' levels."""
        today, census = self.today, self.census.people.tolist()
        levers = self.levers
        row = EMPTY_ROW.copy()
        row["date"] = self.date.isoformat()
        row.update(today)
        self.counted_series.append(today["counted_encounters"])
        window = self.counted_series[-levers.closure.window_days:]
        row["counted_7day_avg"] = sum(window) / len(window)
        row["closure_active"] = int(levers.closure_in_force)
        row["title42_active"] = int(levers.title42.active)
        row["clp_active"] = int(levers.clp.active)
        row["mpp_active"] = int(levers.mpp.active)
        row["appointments_active"] = int(levers.appointments.active)
        row["bp_agents"] = sum(s.agents for s in self.sectors)
        row.update(zip(PEOPLE_COLUMNS, census))
        row["waiting_mexico"] = sum(census[s] for s in WAITING_IN_MEXICO)
        row["waiting_appointment"] = census[State.WAITING_APPOINTMENT]
        row["waiting_mpp"] = census[State.MPP]
        row["waiting_after_expulsion"] = census[State.AFTER_EXPULSION]
        row["custody"] = census[State.IN_CUSTODY]
        row["court_backlog"] = self.courts.backlog
        self.rows.append(row)
        for s in self.sectors:
            s.end_of_day()
        self.today = defaultdict(float)

    # -- what travellers consult --------------------------------------------------------
    @property
    def date(self) -> dt.date:
        return self.start + dt.timedelta(days=self.day)

    def read_news(self) -> None:
        """Once a day: what travellers can know today (shared beliefs, catch rates, routes)."""
        apprehension = self.levers.border_patrol.apprehension
        self.worth = Worth.today(self.beh, self.courts, self.levers)
        self.catch_array[:-1] = self.info.catch_rates(apprehension)  # the last entry pads `reach_index`
        self.catch = self.catch_array[:-1].tolist()
        if self.outlook is not self._outlook_read:
            self.outlook_array, self._outlook_read = outlook_array(self.outlook), self.outlook
        self.shared = self.info.shared_beliefs(self.outlook_array)
        self.port_wait = port_waits(self.ports)  # the lines as they stand this morning
        self.exposure = self.border.route_exposure()
        self.stop_chance = (self.levers.mexico.interdiction * self.exposure).tolist()  # on the way to each city
        # (group, city): each group's pull of each city today (`agents/routes.py`), accumulated for
        # drawing a leaver's city, and as shares: where a group's travellers are expected to head.
        self.route_weights, self.route_shares = pull_today(self.route_base, self.catch, self.crowding,
                                                           self.beh.route_sensitivity)

    def return_cities(self, rows: np.ndarray) -> np.ndarray:
        """Where CBP returns people to Mexico: a city in the sector of encounter, else their own."""
        p = self.population
        sector = np.where(p.sector[rows] >= 0, p.sector[rows], CITY_SECTOR[p.city[rows]])
        choices = self.cities_in_sector[sector]
        count = (choices >= 0).sum(axis=1)
        pick = (self.rng.random(len(rows)) * count).astype(np.intp)
        return np.where(count > 0, choices[np.arange(len(rows)), np.minimum(pick, choices.shape[1] - 1)], p.city[rows])

    def city_crowding(self) -> list[float]:
        p = self.population
        in_city = p.in_city()
        people = np.bincount(p.city[in_city], p.people[in_city].astype(float), len(CITIES))
        for port in self.ports:
            people[port.city] += port.queued
        crowding = people / self.shelter
        self.border.set_crowding(crowding)
        return crowding.tolist()

    def hearing(self, t) -> None:
        self.processing.hearing(t)

    def reallocate_patrol(self) -> None:
        bp = self.levers.border_patrol
        reallocate(self.sectors, bp.agents, bp.reallocation)
        self.border.set_bp_presence({s.sector: s.agents for s in self.sectors})

    # -- running --------------------------------------------------------------------------
    def run(self, progress=None, until: int | None = None) -> pd.DataFrame:
        """Run every day of the scenario, or up to day `until` (a later call goes on from there, as
        if the run had not stopped: a fit looks at a run part way to stop one that can no longer
        match); `progress` is called with the number of days done.

        Python's cyclic garbage collector is paused while the days run. The model makes almost no
        reference cycles (a whole run at 40 people per agent leaves a few dozen objects for it;
        everything else is freed as soon as it is dropped), while each of its full collections
        scans every live agent, so with it a run at 10 people per agent took 40% longer and the
        cost grew with the population."""
        paused = gc.isenabled()
        gc.disable()
        last = self.days if until is None else min(until, self.days)
        try:
            while self.day < last:
                self.step()
                if progress:
                    progress(1)
        finally:
            if paused:
                gc.enable()
        return self.daily()

    def daily(self, since: int = 0) -> pd.DataFrame:
        """The days run, from the fork date for a fork (the history before it is the factual's), or
        from day `since` if later."""
        return pd.DataFrame(self.rows[max(self.first_day, since):], columns=COLUMNS)

    def fork(self, scenario: Scenario) -> None:
        """Go on from today under `scenario` (a fork of the history run so far, see model.snapshot)."""
        self.params, self.days, self.first_day = scenario, scenario.days, self.day
        self.timeline.fork(scenario.events)

    def recount(self) -> np.ndarray:
        """People by state, counted from the agents still in the model and the people at home
        considering leaving (for checks)."""
        counts = np.zeros(len(State), dtype=np.int64)
        for a in self.agents:
            if hasattr(a, "state"):
                counts[a.state] += a.people
        counts[State.CONSIDERING] += self.origins.people()
        return counts
