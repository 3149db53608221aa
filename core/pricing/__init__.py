"""Pure pricing: quote a cart (lines, deals, promotions, gifts, shipping, saving)."""
