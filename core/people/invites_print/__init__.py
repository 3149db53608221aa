"""What a partner hands out to win neighbours: their link, its QR code, a printable leaflet.

Pure rendering and the few rules behind it; the wording of the leaflet lives in
``bot/messages/leaflet.py`` (core never formats text for people), so it must not import
bot/, web/ or app/.
"""
