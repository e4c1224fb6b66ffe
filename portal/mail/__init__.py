"""Email in (parse, thread, fetch) and out (delivery)."""
