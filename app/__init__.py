"""The composition root: the ``linli`` command, the process runner and the built-in schedules.

The only package that may import everything (web/, bot/, core/) to wire a process together;
nothing imports app/.
"""
