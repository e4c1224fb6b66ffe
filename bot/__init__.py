"""The Telegram channel of ZI Portal (``python -m bot``), an adapter over ``portal.services``.

Built in the Telegram-channel issue; until then this package holds nothing and the portal
runs without a bot.
"""
