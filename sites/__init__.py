"""Bundled site profiles: one TOML file per site, read by ``profiles.load_profile``."""
