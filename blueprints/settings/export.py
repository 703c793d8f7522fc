"""Export: everything the site keeps about you, as one zip file."""
