"""The revisions, in order; each names what changed and never imports Linli's services."""
