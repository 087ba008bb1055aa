"""The citizen self-service bot."""
