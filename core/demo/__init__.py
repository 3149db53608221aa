"""The demo city loaded by ``linli demo``."""
