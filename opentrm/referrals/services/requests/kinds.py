"""Every kind of request between countries as data (reference §11.4 Table 9 and OTH-21/22/30).

Per kind: its Table 9 category, the legal basis it usually rests on (pre-filled, the sender may
write another), the formalities it may take and the one it starts with, the types of body that
are competent for it in the requested country (shown to the sender, used to pick the body), the
default time limits (a country's own ``ReferralTimeLimit`` overrides them), whether it may be
thematic (no case, no personal data) and what it carries of the person.

A kind that may be formal but starts informal is the two-step practice of REC-22 / ACT-76: an
informal request through a liaison officer first, then a formal letter of request through the
Ministry of Justice, linked to it (``request_escalate``).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opentrm.directory.models import OrganisationType as T
from opentrm.referrals.models import Formality, TimeUnit
from opentrm.referrals.models import ReferralKind as K

F = Formality


class Category(models.TextChoices):
    INFORMATION = "information", _("Information on")
    CHECK = "check", _("Checks on")
    ISSUANCE = "issuance", _("Issuance of")
    EXECUTION = "execution", _("Execution of")
    OTHER = "other", _("Other requests")


@dataclass(frozen=True)
class RequestKind:
    code: str
    category: Category
    note: Promise
    legal_basis: str
    formalities: tuple[str, ...]  # the first is the one a new request starts with
    bodies: tuple[str, ...]  # competent organisation types in the requested country
    limits: tuple[int, str, int, str]  # acknowledge within, unit, answer within, unit
    thematic: bool = False  # may be sent without a case
    fields: tuple[str, ...] = ()  # what it carries of the person (requests.data.FIELDS)

    @property
    def default_formality(self) -> str:
        return self.formalities[0]

    @property
    def escalates_to(self) -> tuple[str, ...]:
        """The formalities an informal request of this kind may be escalated into."""
        if self.default_formality != F.INFORMAL:
            return ()
        return tuple(f for f in self.formalities if f != F.INFORMAL)


WD = TimeUnit.WORKING_DAYS
H = TimeUnit.HOURS
ROUTINE = (2, WD, 10, WD)
SLOW = (5, WD, 30, WD)  # formal judicial cooperation
POLICE = (T.ANTI_TRAFFICKING_POLICE, T.POLICE, T.INTERNATIONAL_POLICE_JUDICIAL)
JUDICIAL = (T.MINISTRY, T.PROSECUTION, T.JUDICIARY)
SOCIAL = (T.SOCIAL_SERVICES, T.CHILD_PROTECTION, T.NGO, T.SHELTER)
COORDINATION = (T.NATIONAL_COORDINATION, T.MINISTRY)
IDENTITY = ("names", "date_of_birth", "place_of_birth", "citizenships", "documents")
WHERE = ("names", "address", "residence_country")
MLA_BASIS = "UNTOC Art. 18; European Convention on Mutual Assistance in Criminal Matters (1959)"
CONVENTION = "Council of Europe Convention on Action against Trafficking (2005), Art. 32-33"
PROTOCOL_8 = "UN Trafficking Protocol, Art. 8"
INFORMAL_THEN_MLA = (F.INFORMAL, F.MLA, F.ROGATORY)
MLA_ONLY = (F.MLA, F.ROGATORY)

KINDS: dict[str, RequestKind] = {
    kind.code: kind
    for kind in (
        # INFORMATION ON
        RequestKind(
            K.INFO_PERSON,
            Category.INFORMATION,
            _("What is known of a presumed or identified trafficked person."),
            CONVENTION,
            (F.INFORMAL, F.FORMAL),
            (T.NATIONAL_COORDINATION, *POLICE, *SOCIAL),
            ROUTINE,
            fields=("names", "date_of_birth", "place_of_birth", "citizenships"),
        ),
        RequestKind(
            K.INFO_SUSPECTS,
            Category.INFORMATION,
            _(
                "Police-to-police first; as evidence only through a formal request. Carries no "
                "data of the person assisted."
            ),
            MLA_BASIS,
            INFORMAL_THEN_MLA,
            POLICE,
            ROUTINE,
            thematic=True,
        ),
        RequestKind(
            K.INFO_SERVICES,
            Category.INFORMATION,
            _("The social and protection services available in the country."),
            CONVENTION,
            (F.INFORMAL,),
            (*COORDINATION, *SOCIAL),
            ROUTINE,
            thematic=True,
        ),
        RequestKind(
            K.INFO_PROTECTION_HISTORY,
            Category.INFORMATION,
            _("The social protection the person received before (services, placements)."),
            CONVENTION,
            (F.INFORMAL, F.FORMAL),
            SOCIAL,
            ROUTINE,
            fields=("names", "date_of_birth", "place_of_birth", "address"),
        ),
        RequestKind(
            K.INFO_LEGISLATION,
            Category.INFORMATION,
            _("The anti-trafficking legislation and related provisions in force."),
            "",
            (F.INFORMAL,),
            COORDINATION,
            ROUTINE,
            thematic=True,
        ),
        RequestKind(
            K.INFO_CONTACTS,
            Category.INFORMATION,
            _("Contact details of NGOs, IOs, social services, child welfare, police, courts."),
            "",
            (F.INFORMAL,),
            COORDINATION,
            ROUTINE,
            thematic=True,
        ),
        RequestKind(
            K.INFO_RELIABILITY,
            Category.INFORMATION,
            _("Whether an anti-trafficking agency is reliable (accreditation, record)."),
            "",
            (F.INFORMAL,),
            COORDINATION,
            ROUTINE,
            thematic=True,
        ),
        # CHECKS ON
        RequestKind(
            K.IDENTITY_VERIFICATION,
            Category.CHECK,
            _("The requested state verifies the nationality or identity without undue delay."),
            PROTOCOL_8,
            (F.INFORMAL, F.FORMAL),
            (T.IMMIGRATION_ASYLUM, T.DIPLOMATIC_CONSULAR, *POLICE),
            ROUTINE,
            fields=IDENTITY,
        ),
        RequestKind(
            K.EVIDENCE_CHECK,
            Category.CHECK,
            _("Checks of evidence gathered for police and judicial purposes."),
            MLA_BASIS,
            INFORMAL_THEN_MLA,
            (*POLICE, T.PROSECUTION),
            ROUTINE,
            fields=("names", "date_of_birth"),
        ),
        RequestKind(
            K.FAMILY_CHECK,
            Category.CHECK,
            _("The requested state checks the family situation before a return or a placement."),
            CONVENTION,
            (F.INFORMAL, F.FORMAL),
            (T.CHILD_PROTECTION, T.SOCIAL_SERVICES),
            ROUTINE,
            fields=("names", "date_of_birth", "place_of_birth", "address", "residence_country"),
        ),
        RequestKind(
            K.SAFETY_CHECK,
            Category.CHECK,
            _("May be thematic (the conditions for return to a place), without a case."),
            CONVENTION,
            (F.INFORMAL, F.FORMAL),
            (*POLICE, T.SOCIAL_SERVICES),
            ROUTINE,
            thematic=True,
            fields=WHERE,
        ),
        # ISSUANCE OF
        RequestKind(
            K.DOCUMENT_ISSUANCE,
            Category.ISSUANCE,
            _(
                "The requested state issues or copies a document the person needs (passport, "
                "certificates, records)."
            ),
            PROTOCOL_8,
            (F.FORMAL,),
            (T.DIPLOMATIC_CONSULAR, T.IMMIGRATION_ASYLUM, T.MINISTRY),
            ROUTINE,
            fields=IDENTITY,
        ),
        # EXECUTION OF
        RequestKind(
            K.EVIDENCE_TAKING,
            Category.EXECUTION,
            _("Taking evidence for proceedings: usable in court only through MLA."),
            MLA_BASIS,
            INFORMAL_THEN_MLA,
            JUDICIAL,
            SLOW,
            fields=("names", "date_of_birth"),
        ),
        RequestKind(
            K.STATEMENT_TAKING,
            Category.EXECUTION,
            _("Taking the person's statement (also by video-conference)."),
            MLA_BASIS,
            INFORMAL_THEN_MLA,
            JUDICIAL,
            SLOW,
            fields=("names", "date_of_birth", "address", "residence_country"),
        ),
        RequestKind(
            K.SEARCH_EXAMINATION,
            Category.EXECUTION,
            _("Searches, seizures, examination of objects and sites."),
            MLA_BASIS,
            MLA_ONLY,
            JUDICIAL,
            SLOW,
            thematic=True,
        ),
        RequestKind(
            K.PROCEEDS_TRACING,
            Category.EXECUTION,
            _("Identifying or tracing proceeds of crime and property."),
            MLA_BASIS,
            INFORMAL_THEN_MLA,
            (*JUDICIAL, *POLICE),
            SLOW,
            thematic=True,
        ),
        RequestKind(
            K.AVR_NATIONAL,
            Category.EXECUTION,
            _("Assisted voluntary return of one of the requested country's nationals."),
            PROTOCOL_8,
            (F.FORMAL, F.INFORMAL),
            (T.INTERNATIONAL_ORGANISATION, T.SOCIAL_SERVICES, T.IMMIGRATION_ASYLUM),
            ROUTINE,
            fields=IDENTITY,
        ),
        RequestKind(
            K.AVR_FOREIGN,
            Category.EXECUTION,
            _("Assisted voluntary return of a foreign national through the requested country."),
            PROTOCOL_8,
            (F.FORMAL, F.INFORMAL),
            (T.INTERNATIONAL_ORGANISATION, T.IMMIGRATION_ASYLUM),
            ROUTINE,
            fields=IDENTITY,
        ),
        RequestKind(
            K.OFFENDER_TRANSFER,
            Category.EXECUTION,
            _("Transfer of sentenced persons. Carries no data of the person assisted."),
            "Convention on the Transfer of Sentenced Persons (1983)",
            (F.FORMAL,),
            (T.MINISTRY, T.JUDICIARY),
            SLOW,
            thematic=True,
        ),
        # OTHER (OTH-21)
        RequestKind(
            K.IMMEDIATE_DANGER,
            Category.OTHER,
            _("Highest priority: the receiver acknowledges within hours, round the clock."),
            CONVENTION,
            (F.INFORMAL,),
            POLICE,
            (2, H, 24, H),
            fields=WHERE,
        ),
        RequestKind(
            K.SOCIO_ECONOMIC_RISK,
            Category.OTHER,
            _(
                "May be thematic (a region or a community), without a case and without "
                "personal data."
            ),
            "",
            (F.INFORMAL,),
            (*SOCIAL, T.INTERNATIONAL_ORGANISATION),
            ROUTINE,
            thematic=True,
            fields=WHERE,
        ),
        RequestKind(
            K.MISSING_PERSON,
            Category.OTHER,
            _("Search for a missing person, especially a child (Interpol notices)."),
            CONVENTION,
            (F.INFORMAL, F.FORMAL),
            (*POLICE, T.CHILD_PROTECTION),
            (1, WD, 5, WD),
            fields=("names", "date_of_birth", "citizenships", "residence_country"),
        ),
        RequestKind(
            K.RESIDENCE_INFO,
            Category.OTHER,
            _("Information needed to grant a reflection period, a residence permit or a return."),
            CONVENTION,
            (F.INFORMAL, F.FORMAL),
            (T.IMMIGRATION_ASYLUM, *POLICE),
            ROUTINE,
            fields=IDENTITY,
        ),
        RequestKind(
            K.JUDICIAL_DOCUMENTS,
            Category.OTHER,
            _("Service of judicial documents (summons, decisions)."),
            MLA_BASIS,
            MLA_ONLY,
            JUDICIAL,
            SLOW,
            fields=("names", "address", "residence_country"),
        ),
        RequestKind(
            K.EXTRADITION,
            Category.OTHER,
            _("Extradition of an offender. Carries no data of the person assisted."),
            "UNTOC Art. 16; European Convention on Extradition (1957)",
            (F.FORMAL,),
            (T.MINISTRY, T.JUDICIARY),
            SLOW,
            thematic=True,
        ),
        RequestKind(
            K.CONFISCATION,
            Category.OTHER,
            _("Freezing, seizure or confiscation of proceeds and instruments of crime."),
            "UNTOC Art. 13",
            MLA_ONLY,
            JUDICIAL,
            SLOW,
            thematic=True,
        ),
        RequestKind(
            K.PROCEEDINGS_TRANSFER,
            Category.OTHER,
            _("Transfer of criminal proceedings to the requested country."),
            "UNTOC Art. 21",
            (F.FORMAL,),
            (T.PROSECUTION, T.MINISTRY),
            SLOW,
            thematic=True,
        ),
    )
}


def body_type_labels(kind: RequestKind) -> list[str]:
    return [str(T(code).label) for code in kind.bodies]
