"""Alembic revision scripts, oldest first by their date-prefixed file names."""
