"""`opsmanager`: the services from the command line (DESIGN.md section 4 is the contract)."""
