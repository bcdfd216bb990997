"""The panels higher apps add to a contact's directory page (the training register registers
one from its ``AppConfig.ready()``); see ``core.panels``."""

from opentrm.accounts.policy import Actor
from opentrm.core.panels import Panel, PanelRegistry
from opentrm.directory.models import ContactPoint

ContactPanel = Panel[Actor, ContactPoint]
contact_panels: PanelRegistry[Actor, ContactPoint] = PanelRegistry("contact")
