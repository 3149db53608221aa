"""Orders: checkout, delivery date, lifecycle, payment."""
