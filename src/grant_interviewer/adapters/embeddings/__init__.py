"""adapters embeddings package."""
