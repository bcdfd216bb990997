"""Writes on referrals. Each checks the actor, validates, writes and audits in one transaction.

One module per part: ``core`` (numbers) and ``transitions`` (every step, from the state machine
in ``opentrm.referrals.states``) are shared by the others.
"""
