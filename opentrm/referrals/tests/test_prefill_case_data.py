"""The case's countries, HTCDS 2.0 types of exploitation and references in the Annex I
template's pre-fill (issue 14 A)."""

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case
from opentrm.cases.services import Exploitation, case_data_update
from opentrm.cases.tests.factories import new_case
from opentrm.referrals.services.transnational.prefill import prefill


def test_the_annex_template_is_prefilled_with_htcds_types_mapped_and_the_references(
    world: World,
) -> None:
    case = new_case(world)
    case_data_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=case.version,
        countries={"recruitment": ["MD"], "previous_exploitation": ["XK"]},
        exploitation=Exploitation(
            types=["SexualExploitation", "ChildLabour", "ForcedMarriage"],
            previously_trafficked=True,
        ),
        references={"law_enforcement_reference": "POL-77", "court_reference": "K-12"},
    )
    case = Case.objects.get(pk=case.pk)
    values = prefill(case=case, sender=world.agency_a, receiver=world.agency_b, lang="en")
    assert values["s1_2.exploitation_type"] == {
        "codes": ["sexual", "labour", "other"],
        "other": {"text": "Forced marriage", "lang": "en"},
    }
    assert values["s1_2.country_recruitment"] == "MD"
    assert values["s1_2.countries_previous"] == ["XK"]
    assert values["s1_2.previously_trafficked"] is True
    assert values["s7_1.comments"]["text"] == (
        "Law-enforcement reference: POL-77; Court reference: K-12"
    )
