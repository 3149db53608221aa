"""Import every flow module so their steps are registered with the router."""

from bot.flows.customer import (
    broadcast_stop,  # noqa: F401
    browse,  # noqa: F401
    cart,  # noqa: F401
    checkout,  # noqa: F401
    checkout_address,  # noqa: F401
    crates,  # noqa: F401
    deals,  # noqa: F401
    feedback,  # noqa: F401
    household,  # noqa: F401
    menu,  # noqa: F401
    onboarding,  # noqa: F401
    orders,  # noqa: F401
    product_card,  # noqa: F401
    quantity,  # noqa: F401
    search,  # noqa: F401
    settings,  # noqa: F401
    web_links,  # noqa: F401
)
from bot.flows.guided import start  # noqa: F401
from bot.flows.partner import (
    crates as partner_crates,  # noqa: F401
)
from bot.flows.partner import (
    customers,  # noqa: F401
    earnings,  # noqa: F401
    home,  # noqa: F401
    invite,  # noqa: F401
    notices,  # noqa: F401
    relay,  # noqa: F401
    report,  # noqa: F401
    report_send,  # noqa: F401
    tonight,  # noqa: F401
    tonight_news,  # noqa: F401
    tonight_stop,  # noqa: F401
    winback,  # noqa: F401
)
