"""The pure domain: cases, events, due-time rules, wording. Imports nothing else of casedesk."""
