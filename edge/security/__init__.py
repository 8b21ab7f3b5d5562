"""Origin access control (SigV4 signing) and field-level encryption, decided and applied per request."""
