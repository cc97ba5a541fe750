"""The only way to read or change data. Every public function here takes the Backend and the
caller's session token first, declares its permission with @service, runs in one transaction
and writes the audit log."""
