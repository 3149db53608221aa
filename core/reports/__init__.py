"""Reports for partners: the customer-value report, its chart and its CSV."""
