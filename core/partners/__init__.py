"""The partner's own tools over their households: the customer list, win-back questions and
the customer-value report with its actions, chart and CSV.

Business rules only; it must not import bot/, web/ or app/.
"""
