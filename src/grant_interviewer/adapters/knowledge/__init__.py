"""adapters knowledge package."""
