"""Parsers: pure functions of (HTML, URL) that return an ArticleRecord or None."""
