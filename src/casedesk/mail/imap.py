"""casedesk fetch: take unseen mail from an IMAP mailbox."""
