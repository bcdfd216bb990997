"""OpenTRM: national and transnational referral of trafficked persons."""

__version__ = "0.1.0"
