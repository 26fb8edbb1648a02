"""Demo data for development: the real employers with their sites, and one account per role."""
