"""Partner commission ledger and statements (issue 4)."""
