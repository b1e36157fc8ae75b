"""The threshold controller against hand-made series, day by day, for both rule variants."""

from model.threshold import ThresholdController


def states(series, **kw):
    c = ThresholdController(2500, 1500, **kw)
    return [c.observe(x) for x in series]


def test_interim_rule_lifts_14_days_after_average_falls_below_1500():
    # 7 days at 3000, then 1000 a day. The 7-day average first drops below 1,500 on the day
    # with four low days: (3*3000 + 4*1000)/7 = 1857 (no), five: 1571 (no), six: 1286 (yes).
    series = [3000] * 7 + [1000] * 30
    out = states(series, window_days=7, days_below=1, lift_delay_days=14, initially_active=True)
    first_below = 7 + 5  # index of the day the condition is met
    # observe(day t) gives the state for day t+1: the suspension applies through day t+13.
    assert all(out[: first_below + 13])
    assert out[first_below + 13] is False
    assert not any(out[first_below + 13:])


def test_final_rule_needs_28_consecutive_days_below_then_14():
    series = [3000] * 7 + [1000] * 60
    out = states(series, window_days=7, days_below=28, lift_delay_days=14, initially_active=True)
    first_below = 7 + 5
    met = first_below + 27  # the 28th consecutive day below
    assert all(out[: met + 13])
    assert out[met + 13] is False


def test_a_day_back_above_lift_restarts_the_28_days():
    series = [3000] * 7 + [1000] * 20 + [2000] * 7 + [1000] * 80
    out = states(series, window_days=7, days_below=28, lift_delay_days=14, initially_active=True)
    # the 2,000s push the average back above 1,500, so the count of days below starts again
    c = ThresholdController(2500, 1500, 7, 28, 14, True)
    below_runs, run_len = [], 0
    for x in series:
        c.observe(x)
        run_len = run_len + 1 if c.average < 1500 else 0
        below_runs.append(run_len)
    met = below_runs.index(28)
    assert all(out[: met + 13]) and out[met + 13] is False


def test_reactivates_when_average_reaches_2500_and_cancels_the_clock():
    c = ThresholdController(2500, 1500, 7, 1, 14, True)
    for _ in range(7):
        c.observe(1000)  # below: the clock is running
    assert c.active and c.clock is not None
    for _ in range(7):
        c.observe(4000)
    assert c.active and c.clock is None
    c2 = ThresholdController(2500, 1500, 7, 1, 14, initially_active=False)
    assert [c2.observe(x) for x in [2000] * 7] == [False] * 7  # between the thresholds: stays off
    assert c2.observe(2000 + 7 * 600) is True  # average now 2600


def test_between_thresholds_the_lifting_clock_keeps_running():
    c = ThresholdController(2500, 1500, 1, 1, 14, True)
    out = [c.observe(1000)] + [c.observe(2000) for _ in range(20)]
    assert out[12] is True and out[13] is False
