"""Contact form and ticket pages."""
