"""Profile: avatar, display name; the account name shown fixed."""
