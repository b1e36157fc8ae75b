"""The data window: the months the observed data cover, and so the months a fit may use.

The model starts in October 2018 and is fitted on nothing later than May 2024. Kept apart from
the data loader (which needs pandas) so that the command line can check and show `--through`
without loading anything.
"""

FIRST_MONTH, LAST_MONTH = "2018-10", "2024-05"
"""The first and last observed month (YYYY-MM)."""
