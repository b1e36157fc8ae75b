"""The policy timeline: dated regime changes, fired as Mesa events before their day, and
the daily state of the closure (off, standing, or switched by the threshold controller)."""

from __future__ import annotations

from mesa.time import Priority

from agents.traveller import days_from_now, move_all
from model.policy import outlook_table
from model.states import State
from model.threshold import ThresholdController


class PolicyChange:
    """One dated timeline event, as a callable Mesa event (kept alive by the Timeline)."""

    def __init__(self, timeline, event):
        self.timeline, self.event = timeline, event

    def __call__(self) -> None:
        self.timeline.apply(self.event)


class Timeline:
    def __init__(self, model, events):
        self.model = model
        self.controller: ThresholdController | None = None
        self.fresh = False
        self._scheduled: list = []  # (PolicyChange, Mesa event): the changes keep their events alive
        for ev in events:
            if (ev.date - model.start).days <= 0:  # already in force when the run starts
                model.levers = model.levers.apply(ev.changes)
        self._plan([ev for ev in events if (ev.date - model.start).days > 0], model.levers)

    def _plan(self, events, levers) -> None:
        """Announce and schedule `events`, all in the future, starting from `levers` in force now."""
        model = self.model
        for ev in events:
            day = (ev.date - model.start).days
            if ev.announced is not None:
                known = max(0, (ev.announced - model.start).days)  # announcements are news at once
                after = levers.apply(ev.changes)
                model.info.announce(known, day, outlook_table(after, after.border_patrol.apprehension))
            levers = levers.apply(ev.changes)
            if day < model.days:
                change = PolicyChange(self, ev)
                # Fires after day-1's record and before day's step (the step for day d runs at time d+1).
                self._scheduled.append((change, model.schedule_event(change, at=day + 0.5, priority=Priority.HIGH)))

    def fork(self, events) -> None:
        """From today on, follow `events` (a fork's timeline) instead of the ones planned: the changes
        still to come are cancelled, and so is the news of them (travellers hear of the forked
        timeline's announcements instead, on the same dates)."""
        model, today = self.model, self.model.day
        for _, scheduled in self._scheduled:
            scheduled.cancel()
        self._scheduled = []
        model.info.announcements = [a for a in model.info.announcements if a[1] <= today]
        for ev in events:  # today's changes take effect now, as their events would have before today's step
            if (ev.date - model.start).days == today:
                self.apply(ev)
        self._plan([ev for ev in events if (ev.date - model.start).days > today], model.levers)

    def apply(self, event) -> None:
        m = self.model
        old = m.levers
        m.levers = new = old.apply(event.changes)
        if "backlog" in event.changes.get("courts", {}):  # a dated count of pending cases replaces the model's
            m.courts.backlog = new.courts.backlog
        if "closure" in event.changes and new.closure.mode == "threshold":
            c = new.closure
            if old.closure.mode != "threshold" or self.controller is None:
                self.controller = ThresholdController(
                    c.activation, c.lift, c.window_days, c.days_below, c.lift_delay_days, c.initially_active,
                    history=m.counted_series[-c.window_days:])
                self.fresh = True
            else:
                self.controller.reconfigure(c.activation, c.lift, c.window_days, c.days_below, c.lift_delay_days)
        if old.appointments.active and not new.appointments.active:
            rows = m.appointments.cancel_all()  # every request and appointment is cancelled
            move_all(m, rows, State.STAGING)
            m.calendar.add_all(days_from_now(m, len(rows), m.beh.reconsider_days), rows, "decide")
        if new.border_patrol.agents != old.border_patrol.agents:
            bp = new.border_patrol
            if sum(s.agents for s in m.sectors) > 0:
                ratio = bp.agents / max(1.0, old.border_patrol.agents)
                for s in m.sectors:
                    s.agents *= ratio
            else:  # none posted yet (agents were 0): post them as the allocation says
                for s in m.sectors:
                    s.agents = bp.agents * bp.allocation[s.sector]
        m.outlook = outlook_table(new, new.border_patrol.apprehension)

    def closure_today(self, levers, counted_series: list[float]) -> bool:
        """Whether the suspension applies today, from the rule in force and yesterday's count."""
        mode = levers.closure.mode
        if mode == "off":
            self.controller = None
            return False
        if mode == "always":
            return True
        if self.controller is None:
            c = levers.closure
            self.controller = ThresholdController(c.activation, c.lift, c.window_days, c.days_below,
                                                  c.lift_delay_days, c.initially_active)
            return self.controller.active
        if self.fresh or not counted_series:
            self.fresh = False
            return self.controller.active
        return self.controller.observe(counted_series[-1])
