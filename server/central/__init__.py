"""The company centre (``talon central``): office hubs ship their event logs here, on PostgreSQL."""
