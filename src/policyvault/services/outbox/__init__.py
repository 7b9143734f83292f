"""The outbox: messages to requesters, recipients and the privacy officer, sent by SMTP."""
