"""adapters storage package."""
