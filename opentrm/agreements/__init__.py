"""The agreements register (issue 4 §1, reference §6): MoUs, protocols and other agreements
between organisations, their signatures, and the data categories they let flow."""
