"""Retention at work: statutory records, legal holds, the sweeper that moves and destroys on
time, approvals and destruction certificates. The deadlines themselves are kept current by
``policyvault.services.vault.deadlines`` in every transaction that can move them."""
