"""The console's pages, one module per area of HQ's work.

Each page parses a form, calls a core service and renders a template; none holds a
business rule, and none imports app/.
"""
