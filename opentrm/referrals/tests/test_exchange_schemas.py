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


def test_the_htcds_names_map_template_fields_both_ways() -> None:
    codes = {field.code for field in loader.definition(1).fields}
    assert set(fieldnames.HTCDS_NAMES) <= codes
    values = {"s1_1.sex": "female", "s1_1.address": {"text": "x"}, "s8.return.origin": {}}
    sections = fieldnames.to_sections(values)
    assert sections == {
        "s1_1": {"gender": "female", "address": {"text": "x"}},
        "s8": {"return.origin": {}},
    }
    assert fieldnames.from_sections(sections) == values
    names = fieldnames.withheld_names(["s1_1.date_of_birth", "s3_2.addiction"])
    assert names == ["s1_1.dateOfBirth", "s3_2.addiction"]
    assert fieldnames.withheld_codes(names) == ["s1_1.date_of_birth", "s3_2.addiction"]
