"""Orders: the cart, promo codes and coupons (and their admin), pricing context, checkout,
the delivery date, a customer's order history and the lifecycle to delivery or refund.

Business rules only; it must not import bot/, web/ or app/.
"""
