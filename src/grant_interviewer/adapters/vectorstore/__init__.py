"""adapters vectorstore package."""
