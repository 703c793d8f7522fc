"""Fakes of outside services, served on loopback so tests exercise the real network edge."""
