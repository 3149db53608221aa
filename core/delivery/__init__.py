"""Getting the goods to the door: tonight's pick list and run sheet (``batches``), the
reusable crates, what happens at the doorstep, and the customer's rating of a delivery.

Business rules only; it must not import bot/, web/ or app/.
"""
