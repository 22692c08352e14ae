"""casedesk: a keyboard-driven terminal case console."""

__version__ = "0.1.0"
