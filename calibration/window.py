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


def fiscal_year(month: str) -> int:
    """The US federal fiscal year (October to September) a month (YYYY-MM) falls in: 2023-10 is FY2024."""
    year, mon = int(month[:4]), int(month[5:7])
    return year + 1 if mon >= 10 else year


def fiscal_months(year: int) -> list[str]:
    """The twelve months (YYYY-MM) of fiscal year `year`, October to September."""
    return [f"{year - 1}-{m:02d}" for m in (10, 11, 12)] + [f"{year}-{m:02d}" for m in range(1, 10)]
