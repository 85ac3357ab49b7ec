"""urls step."""
