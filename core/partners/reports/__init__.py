"""Reports for partners: the customer-value report, its chart and its CSV.

Business rules and rendering (chart, CSV) without wording for people; it must not import
bot/, web/ or app/.
"""
