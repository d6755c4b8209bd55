"""Scrapy spiders: what to fetch and when to stop, never how to read a page."""
