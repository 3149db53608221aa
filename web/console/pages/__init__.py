"""The console's pages, one module per area of HQ's work."""
