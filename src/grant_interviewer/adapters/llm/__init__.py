"""adapters llm package."""
