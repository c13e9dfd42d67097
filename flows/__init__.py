"""Conversation core: typed events and replies, the pure flow engine, flow definitions, the state store."""
