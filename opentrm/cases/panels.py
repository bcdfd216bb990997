"""The panels higher apps add to a case's page (the meetings on the case register one from
their ``AppConfig.ready()``); see ``core.panels``. The page has already checked that the reader
sees the case (``access_case``)."""

from opentrm.accounts.policy import Actor
from opentrm.cases.models import Case
from opentrm.core.panels import Panel, PanelRegistry

CasePanel = Panel[Actor, Case]
case_panels: PanelRegistry[Actor, Case] = PanelRegistry("case")
