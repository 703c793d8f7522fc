"""Collect and un-collect; the favorites page."""
