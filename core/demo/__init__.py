"""The demo city loaded by ``linli demo``: units, partners, a catalog, deals and codes.

Built only through the business services, like an operator would; nothing in core
imports it, and it must not import bot/, web/ or app/.
"""
