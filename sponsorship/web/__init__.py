"""Blueprints: the only code that knows request, session, flash and forms."""
