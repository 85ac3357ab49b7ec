"""check step."""
