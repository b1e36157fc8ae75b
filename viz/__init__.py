"""The browser app: watch the border and move the levers live (`borderflow serve`)."""

import io

APP_SCENARIO = "securing-the-border"
"""The scenario the app opens on: the 2024 threshold rule, whose thresholds and closures the page shows."""


def png(fig, dpi: float = 90) -> bytes:
    """A matplotlib figure as PNG bytes (what the page shows)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
