"""WARC files: the archive's raw captures written out in the web archives' standard format."""
