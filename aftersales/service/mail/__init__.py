"""Email in: a raw RFC 5322 message becomes a service request, a customer reply, or a logged drop.

`parse` decodes and classifies without the database; `ingest.mail_ingest` acts on the result."""
