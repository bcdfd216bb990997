"""The Annex I "Template for Transnational Referral" as versioned data (``annex1_v<N>.json``)."""
