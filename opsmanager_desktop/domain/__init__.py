"""Pure business rules: no Qt, no SQL, no I/O, nothing else of the project."""
