"""Scout: graph package."""
