"""Delete account: the grace period, cancelling it, and what the purge erases."""
