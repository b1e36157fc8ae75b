"""The browser app: watch the border and move the levers live (`borderflow serve`)."""

import io

APP_SCENARIO = "securing-the-border"
"""The scenario the app opens on: the 2024 threshold rule, whose thresholds and closures the page shows."""


def png(fig, dpi: float = 72) -> bytes:
    """A matplotlib figure as PNG bytes (what the page shows), compressed lightly: the bytes only
    travel to the browser, and the strongest compression costs more time than the drawing."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return out.getvalue()
