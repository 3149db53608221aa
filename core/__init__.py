"""Linli's domain core: models and services that know nothing of any chat channel."""
