"""Defence in depth on MySQL/MariaDB (docs/design.md section 6, docs/security.md): database
roles and GRANTs derived from the permission matrix, per-officer accounts, the consumers'
own-rows views, append-only triggers, TLS and keyring-held credentials."""
