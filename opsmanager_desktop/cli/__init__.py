"""`opsmanager`: the services from the command line (docs/design.md section 4 is the contract)."""
