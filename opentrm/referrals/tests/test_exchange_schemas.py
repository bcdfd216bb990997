"""The node exchange's published schemas and field names agree with the referrals' codes."""

from opentrm.exchange import crypto, fieldnames
from opentrm.exchange.models import MessageType
from opentrm.referrals.models import ReferralKind, ReferralStatus, Urgency
from opentrm.referrals.template import loader


def test_the_schemas_list_the_codes_of_the_models() -> None:
    status = crypto.schema("status_update")["properties"]["status"]["enum"]
    assert status == list(ReferralStatus.values)
    request = crypto.schema("request")["properties"]["request"]["properties"]
    assert request["kind"]["enum"] == [kind.value for kind in ReferralKind.requests()]
    assert request["urgency"]["enum"] == list(Urgency.values)
    assert crypto.schema("package")["properties"]["type"]["enum"] == list(MessageType.values)


def test_the_htcds_names_map_template_fields_and_their_choices() -> None:
    """Every template code in the HTCDS table is a field of the template, and every choice
    code it names one of that field's options (the value names are checked against the
    standard in opentrm/exchange/tests/test_htcds.py)."""
    definition = loader.definition(1)
    for code, mapped in fieldnames.HTCDS.items():
        field = definition.field(code)
        assert field is not None, code
        codes = set(mapped.values) | set(mapped.received.values())
        assert codes <= field.option_codes, code
        if mapped.yes:
            assert field.type == "yes_no"
    assert set(fieldnames.LEGACY_NAMES) <= {field.code for field in definition.fields}


def test_every_template_field_travels_and_comes_back() -> None:
    definition = loader.definition(1)
    values = {field.code: {"text": "x"} for field in definition.fields if field.type == "text"}
    sections = fieldnames.to_sections(values)
    assert all(name.startswith("opentrm_") for fields in sections.values() for name in fields)
    assert fieldnames.from_sections(sections) == values
    names = fieldnames.withheld_names(["s1_1.date_of_birth", "s3_2.addiction"])
    assert names == ["s1_1.prs_Birthdate", "s3_2.opentrm_addiction"]
    assert fieldnames.withheld_codes(names) == ["s1_1.date_of_birth", "s3_2.addiction"]
