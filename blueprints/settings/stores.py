"""Linked store accounts: platform and store name or ID, never a password."""
