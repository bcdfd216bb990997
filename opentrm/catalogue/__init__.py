"""The catalogue of the five TRM procedures (SOPs) and their 26 measures, as versioned data.

Source: trm-reference.md §2 (Table 2 of the ICMPD 2012 report, S4:380-388). Use
``load_catalogue()`` for the whole catalogue and ``measure(code)`` for one measure.
"""

from opentrm.catalogue.loader import (
    CURRENT_VERSION,
    NOT_SPECIFIED,
    Catalogue,
    Guidance,
    Measure,
    Sop,
    load_catalogue,
    measure,
)

__all__ = [
    "CURRENT_VERSION",
    "NOT_SPECIFIED",
    "Catalogue",
    "Guidance",
    "Measure",
    "Sop",
    "load_catalogue",
    "measure",
]
