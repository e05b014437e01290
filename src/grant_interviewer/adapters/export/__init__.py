"""adapters export package."""
