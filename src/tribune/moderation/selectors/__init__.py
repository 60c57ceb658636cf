"""Reads of moderation: the public moderation log (`log`), appeals (`appeals`), and the
queue a moderator or trusted member works through (`queue`).
"""
