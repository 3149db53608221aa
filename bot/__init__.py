"""Everything that talks to people: channel adapters (``handlers``), conversations
(``flows``), shared wording (``messages``) and the Babel catalogs (``i18n``, ``locales``).

It builds on core/ and must not import web/ or app/ (tests/test_layout.py checks).
"""
