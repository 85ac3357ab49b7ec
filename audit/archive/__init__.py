"""archive step."""
