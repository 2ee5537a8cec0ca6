"""Helpers that tests share but that are not fixtures: tiny models, fake servers."""
