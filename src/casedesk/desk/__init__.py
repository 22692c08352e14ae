"""Actions: the Desk (every change to a case, one transaction), problems, templates, demo data."""
