"""Who may read this origin (private bucket, secret header) and field-level decryption."""
