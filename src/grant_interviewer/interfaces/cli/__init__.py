"""interfaces cli package."""
