"""Alembic migrations of the interview database (run by ``SqlRepository.open``)."""
