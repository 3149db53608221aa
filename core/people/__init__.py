"""Who Linli serves: units and their buildings, partners, customers and their chat identities,
invites and the partner's printed material, assisted sign-up, HQ operators, web sign-in tokens.

Business rules only; it must not import bot/, web/ or app/.
"""
