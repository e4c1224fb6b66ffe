"""The one door: every channel changes data only through these service functions.

Services take the SQLAlchemy session explicitly, add and flush, and never commit: the caller (a
view, a bot callback, a command) owns the transaction, so several service calls can form one
all-or-nothing unit of work.
"""
