# ruff: noqa: RUF001 (local names in Cyrillic: the letters are meant)
"""The fictional demo directory as data: the countries, organisations, contacts, national
responsibilities and demo logins that ``demo.load_demo`` creates (everything invented: see
``demo``)."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from opentrm.accounts.roles import Role
from opentrm.directory.models import (
    AccreditationStatus,
    ClearanceLevel,
    Function,
    OrganisationType,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # dev-only package: types only

DEMO_USER_COUNTRIES = ("AL", "RS", "MD")
KOSOVO_NOTE = (
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSC 1244 and the ICJ Opinion on the Kosovo Declaration of Independence."
)
EMAIL_DOMAIN = "example.org"

# Days since the last verification, cycled over entries. The default review age is 183 days,
# so about a third of the entries are flagged for review; ``None`` means never verified.
VERIFIED_DAYS_AGO: tuple[int | None, ...] = (12, 40, 75, 200, 110, 150, 260, 30, None, 90, 400, 20)


@dataclass(frozen=True)
class CountrySpec:
    code: str
    dial: str  # international calling code, without "+"
    area: str  # trunk code of the capital, for landline numbers
    capital: str
    second_city: str
    languages: tuple[str, ...]  # spoken by most contacts; the first is the official language
    display_note: str = ""


COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec("AL", "355", "4", "Tirana", "Shkodër", ("sq", "en", "it")),
    CountrySpec("BA", "387", "33", "Sarajevo", "Banja Luka", ("bs", "hr", "sr", "en")),
    CountrySpec("BG", "359", "2", "Sofia", "Varna", ("bg", "en", "ru")),
    CountrySpec("HR", "385", "1", "Zagreb", "Split", ("hr", "en", "de")),
    CountrySpec("XK", "383", "38", "Pristina", "Prizren", ("sq", "sr", "en"), KOSOVO_NOTE),
    CountrySpec("MK", "389", "2", "Skopje", "Bitola", ("mk", "sq", "en")),
    CountrySpec("MD", "373", "22", "Chișinău", "Bălți", ("ro", "ru", "en")),
    CountrySpec("ME", "382", "20", "Podgorica", "Bar", ("cnr", "sr", "en")),
    CountrySpec("RO", "40", "21", "Bucharest", "Cluj-Napoca", ("ro", "en", "fr")),
    CountrySpec("RS", "381", "11", "Belgrade", "Novi Sad", ("sr", "en", "hu")),
)

# Local names the directory search finds (issue 12 §7): the cities as written locally, and the
# bodies' names in the local language where the demo has them (Albanian-speaking countries).
LOCAL_CITY_NAMES = {
    "Tirana": "Tiranë",
    "Shkodër": "Shkodra",
    "Pristina": "Prishtinë\nПриштина",
    "Skopje": "Скопје",
    "Sofia": "София",
    "Bucharest": "București",
    "Belgrade": "Beograd\nБеоград",
    "Novi Sad": "Нови Сад",
}
ALBANIAN_NAMES = {
    "coordination": "Zyra e Koordinatorit Kombëtar kundër Trafikimit",
    "social": "Qendra e Punës Sociale — {capital}",
    "social_regional": "Qendra e Punës Sociale — {second_city}",
    "shelter": "Qendra Shtetërore e Pritjes për Viktimat e Trafikimit",
    "child": "Agjencia për Mbrojtjen e të Drejtave të Fëmijëve",
}
ALBANIAN_SPEAKING = ("AL", "XK")

INTERPRETER_LANGUAGES = ("en", "de", "fr", "it", "tr", "ru", "uk", "ar", "rom")


@dataclass(frozen=True)
class ContactSpec:
    key: str
    position: str
    unit: str = ""
    channels: tuple[str, ...] = ("phone", "email")  # kinds; values are generated
    hotline_24_7: bool = False
    extra_languages: tuple[str, ...] = ()
    language_count: int = 2  # how many of the country's languages the contact speaks


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    name: str  # may use {capital} / {second_city}
    type: OrganisationType
    contacts: tuple[ContactSpec, ...]
    acronym: str = ""
    in_second_city: bool = False
    region: str = ""
    parent: str = ""  # key of the parent body
    accreditation: AccreditationStatus = AccreditationStatus.NOT_REQUIRED
    clearance: ClearanceLevel = ClearanceLevel.NONE
    website: bool = False
    postal: bool = False


ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        "coordination",
        "Office of the National Anti-Trafficking Coordinator",
        OrganisationType.NATIONAL_COORDINATION,
        (
            ContactSpec(
                "coordinator",
                "National Anti-Trafficking Coordinator",
                channels=("phone", "email", "fax"),
            ),
            ContactSpec("secretariat", "Secretariat of the National Referral Mechanism"),
        ),
        acronym="ONAC",
        website=True,
        postal=True,
    ),
    OrganisationSpec(
        "moi",
        "Ministry of Interior — Anti-Trafficking Unit",
        OrganisationType.MINISTRY,
        (
            ContactSpec(
                "focal",
                "Transnational referral desk",
                unit="National focal point",
                channels=("phone", "mobile", "email", "messenger"),
                language_count=3,
            ),
        ),
        clearance=ClearanceLevel.RESTRICTED,
    ),
    OrganisationSpec(
        "police",
        "State Police — Anti-Trafficking Directorate",
        OrganisationType.ANTI_TRAFFICKING_POLICE,
        (
            ContactSpec("duty", "Duty officer", channels=("hotline", "email"), hotline_24_7=True),
            ContactSpec("head", "Head of the investigations section", unit="Investigations"),
        ),
        clearance=ClearanceLevel.CONFIDENTIAL,
    ),
    OrganisationSpec(
        "police_regional",
        "Regional Anti-Trafficking Police Unit — {second_city}",
        OrganisationType.ANTI_TRAFFICKING_POLICE,
        (
            ContactSpec(
                "regional",
                "Regional anti-trafficking officer",
                channels=("phone", "mobile", "email"),
            ),
        ),
        in_second_city=True,
        region="North",
        parent="police",
        clearance=ClearanceLevel.CONFIDENTIAL,
    ),
    OrganisationSpec(
        "border",
        "Border Police — International Airport Unit",
        OrganisationType.BORDER_POLICE,
        (ContactSpec("shift", "Shift commander", channels=("phone", "email"), hotline_24_7=True),),
    ),
    OrganisationSpec(
        "social",
        "Centre for Social Work — {capital}",
        OrganisationType.SOCIAL_SERVICES,
        (
            ContactSpec("caseworker", "Anti-trafficking caseworker"),
            ContactSpec("mobile_team", "Mobile identification team", channels=("mobile", "email")),
        ),
    ),
    OrganisationSpec(
        "social_regional",
        "Centre for Social Work — {second_city}",
        OrganisationType.SOCIAL_SERVICES,
        (ContactSpec("regional", "Regional referral contact"),),
        in_second_city=True,
        region="North",
    ),
    OrganisationSpec(
        "shelter",
        "State Shelter for Victims of Trafficking",
        OrganisationType.SHELTER,
        (ContactSpec("manager", "Shelter manager", channels=("phone", "mobile", "email")),),
        accreditation=AccreditationStatus.ACCREDITED,
    ),
    OrganisationSpec(
        "ngo",
        "Safe Passage Demo Association",
        OrganisationType.NGO,
        (
            ContactSpec(
                "hotline",
                "24/7 helpline",
                channels=("hotline", "email"),
                hotline_24_7=True,
                language_count=3,
            ),
            ContactSpec("programme", "Reintegration programme coordinator"),
        ),
        accreditation=AccreditationStatus.ACCREDITED,
        website=True,
    ),
    OrganisationSpec(
        "employment",
        "National Employment Service — Vocational Training Office",
        OrganisationType.EMPLOYMENT_SECTOR,
        (ContactSpec("adviser", "Employment adviser"),),
    ),
    OrganisationSpec(
        "return",
        "Ministry of Social Affairs — Return and Reintegration Office",
        OrganisationType.MINISTRY,
        (
            ContactSpec(
                "officer", "Return and reintegration officer", channels=("phone", "email", "fax")
            ),
        ),
        postal=True,
    ),
    OrganisationSpec(
        "prosecution",
        "Office of the Chief Prosecutor — Serious Crime Section",
        OrganisationType.PROSECUTION,
        (ContactSpec("prosecutor", "Prosecutor on duty for trafficking cases"),),
        clearance=ClearanceLevel.CONFIDENTIAL,
    ),
    OrganisationSpec(
        "child",
        "Child Protection Agency",
        OrganisationType.CHILD_PROTECTION,
        (ContactSpec("guardian", "Guardianship officer", channels=("phone", "mobile", "email")),),
    ),
    OrganisationSpec(
        "interpreters",
        "Interpretation and Cultural Mediation Service",
        OrganisationType.INTERPRETATION,
        (
            ContactSpec(
                "interpreter",
                "Interpreter on call",
                channels=("mobile", "email"),
                extra_languages=INTERPRETER_LANGUAGES,
                language_count=3,
            ),
        ),
    ),
)


@dataclass(frozen=True)
class ResponsibilitySpec:
    function: Function
    organisation: str
    contact: str = ""  # empty: the whole body answers, with all its contact points
    note: str = ""


RESPONSIBILITIES: tuple[ResponsibilitySpec, ...] = (
    ResponsibilitySpec(Function.IDENTIFICATION, "police", "duty"),
    ResponsibilitySpec(Function.IDENTIFICATION, "social", "mobile_team"),
    ResponsibilitySpec(Function.IDENTIFICATION, "border", "shift", "At the border"),
    ResponsibilitySpec(Function.FIRST_ASSISTANCE, "shelter", "manager", "Recovery and reflection"),
    ResponsibilitySpec(Function.FIRST_ASSISTANCE, "ngo", "hotline"),
    ResponsibilitySpec(Function.FIRST_ASSISTANCE, "social", "caseworker"),
    ResponsibilitySpec(Function.LONGER_TERM_ASSISTANCE, "social", "caseworker"),
    ResponsibilitySpec(
        Function.LONGER_TERM_ASSISTANCE, "employment", "adviser", "Vocational training"
    ),
    ResponsibilitySpec(Function.LONGER_TERM_ASSISTANCE, "ngo", "programme"),
    ResponsibilitySpec(Function.RETURN, "return", "officer"),
    ResponsibilitySpec(Function.RETURN, "ngo", "programme", "Reintegration"),
    ResponsibilitySpec(Function.PROCEEDINGS, "prosecution", "prosecutor"),
    ResponsibilitySpec(Function.PROCEEDINGS, "police", "head"),
    ResponsibilitySpec(Function.NATIONAL_COORDINATOR, "coordination", "coordinator"),
    ResponsibilitySpec(Function.NATIONAL_FOCAL_POINT, "moi", "focal"),
    ResponsibilitySpec(Function.CHILD_AUTHORITY, "child", "guardian"),
    ResponsibilitySpec(Function.REGIONAL_CONTACT, "social_regional", "regional"),
    ResponsibilitySpec(Function.REGIONAL_CONTACT, "police_regional", "regional"),
    ResponsibilitySpec(Function.INTERPRETATION, "interpreters", "interpreter"),
    ResponsibilitySpec(Function.HOTLINE, "ngo", "hotline"),
    ResponsibilitySpec(Function.HOTLINE, "police", "duty"),
)

# Which demo body each role's login belongs to, in each of DEMO_USER_COUNTRIES.
ROLE_ORGANISATION: dict[Role, str] = {
    Role.NATIONAL_COORDINATOR: "coordination",
    Role.DIRECTORY_EDITOR: "coordination",
    Role.CASE_MANAGER: "social",
    Role.CASEWORKER: "social",
    Role.POLICE_INVESTIGATOR: "police",
    Role.PROSECUTOR: "prosecution",
    Role.GUARDIAN: "child",
    Role.INTERPRETER: "interpreters",
    Role.STATISTICIAN: "coordination",
    Role.EVALUATOR: "coordination",
    Role.DATA_PROTECTION_OFFICER: "coordination",
    Role.SYSTEM_ADMINISTRATOR: "coordination",
}


@dataclass(frozen=True)
class ExtraLogin:
    """A login at a body the role logins above leave out: the national focal point (which
    receives the requests and referrals from abroad), a shelter and an NGO."""

    name: str  # the username is "<country>.<name>"
    role: Role
    organisation: str  # key of the demo body
    label: str  # the user's last name, before the country code
    note: "StrOrPromise" = ""  # printed after the login


EXTRA_LOGINS: tuple[ExtraLogin, ...] = (
    ExtraLogin("focal_point", Role.CASE_MANAGER, "moi", "Focal point", _("national focal point")),
    ExtraLogin("shelter", Role.CASE_MANAGER, "shelter", "Shelter"),
    ExtraLogin("ngo", Role.CASEWORKER, "ngo", "NGO"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    organisation: str
    country_code: str
    note: "StrOrPromise" = ""


@dataclass
class DemoSummary:
    """What the loader found and what it created; ``created`` is empty on a second run."""

    created: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)

    def count(self, kind: str, created: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())
