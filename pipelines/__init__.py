"""Item pipelines, one small job a module: clean, validate, deduplicate, store."""
