"""Scout: ui package."""
