"""Data-subject rights requests at work: what the vault hands back to the subject."""
