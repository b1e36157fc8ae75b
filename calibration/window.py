"""The data window: the months the observed data cover, and so the months a fit may use.

The model starts in October 2018 and is fitted on nothing later than May 2024. Kept apart from
the data loader (which needs pandas) so that the command line can check and show `--through`
without loading anything.
"""

FIRST_MONTH, LAST_MONTH = "2018-10", "2024-05"
"""The first and last observed month (YYYY-MM)."""

FIRST_FIT_MONTH = f"{int(FIRST_MONTH[:4]) + int(FIRST_MONTH[5:]) // 12}-{int(FIRST_MONTH[5:]) % 12 + 1:02d}"
"""The earliest month a fit may run through: a fit needs at least two observed months."""


def through_problem(month: str) -> str | None:
    """What is wrong with fitting through `month` (YYYY-MM), or None if a fit may run through it."""
    choose = f"give a month from {FIRST_FIT_MONTH} to {LAST_MONTH}"
    if month < FIRST_MONTH:
        return f"month {month} is before the observed data, which run from {FIRST_MONTH} to {LAST_MONTH}; {choose}"
    if month == FIRST_MONTH:
        return f"month {month} is the first observed month, and a fit needs at least two; {choose}"
    if month > LAST_MONTH:
        return f"month {month} is after the observed data, which run from {FIRST_MONTH} to {LAST_MONTH}; {choose}"
    return None
