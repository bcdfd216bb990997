"""Writes on referrals. Each checks the actor, validates, writes and audits in one transaction.

One module per part: ``core`` (numbers, steps, the status machine) is shared by the others.
"""
