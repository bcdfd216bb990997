"""The whole transnational journey between two real nodes (separate server processes and
databases, real HTTP): node A (AL) refers a case to node B (RO); B's focal point accepts, A
arranges the return, B confirms the arrival and reports; the person withdraws the consent on A
and B's access narrows. Every step is taken through the nodes' HTTP API with members' tokens,
every package travels through the workers."""

import json
import re
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.exchange.nodes import Node, Pair

MARK = "JOURNEY:"
A_ORG = "Fictional Agency A Social Work Centre"
RO_POINT = "Fictional Romanian National Focal Point"
NAME = "Fictiva Journeyperson"
HEALTH = "Fictional asthma since childhood"
BIRTH = date(1996, 5, 17)
DOCUMENT = b"%PDF-1.4\n% fictional passport copy\n%%EOF\n"
REASON = "Fictional: she asks to return to her family in Romania."


# --- run inside a node (``opentrm shell -c``) -------------------------------------------------


def _member(organisation: Any, role: str, username: str) -> tuple[Any, str]:
    """A member with an API token: (actor, token)."""
    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.policy import Actor
    from opentrm.accounts.services import api_token_create

    user = User.objects.create_user(username=username, password="fictional-pass-" + username)
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    actor = Actor(user=user, membership=membership)
    _token, secret = api_token_create(actor=actor, name="journey")
    return actor, secret


def _focal_point(country: Any, name: str) -> Any:
    from opentrm.directory.models import Function, Organisation, OrganisationType, Responsibility

    point = Organisation.objects.create(
        country=country, name=name, type=OrganisationType.NATIONAL_COORDINATION
    )
    Responsibility.objects.create(
        country=country, function=Function.NATIONAL_FOCAL_POINT, organisation=point
    )
    return point


def setup_node_a() -> None:
    """Node A: agency A with a case manager and a caseworker; RO's focal point in A's
    directory; a case with consent to share with it and to return; an agreement in force
    letting identity, assistance and travel flow from agency A to it (never health)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from conftest import World
    from opentrm.accounts.policy import FieldGroup
    from opentrm.accounts.roles import Role
    from opentrm.agreements.tests.factories import make_agreement
    from opentrm.cases.models import HealthRecord
    from opentrm.cases.services import NameData, case_register, consent_record
    from opentrm.cases.services.documents import document_upload
    from opentrm.directory.models import Country, Organisation, OrganisationType

    al, _ = Country.objects.get_or_create(code="AL")
    ro, _ = Country.objects.get_or_create(code="RO")
    agency = Organisation.objects.create(
        country=al, name=A_ORG, type=OrganisationType.SOCIAL_SERVICES
    )
    point = _focal_point(ro, RO_POINT)
    manager, manager_token = _member(agency, Role.CASE_MANAGER, "a_manager")
    _worker, worker_token = _member(agency, Role.CASEWORKER, "a_worker")
    case = case_register(
        actor=manager,
        names=[NameData(NAME)],
        sex="female",
        date_of_birth=BIRTH,
        citizenships=["RO"],
        languages=["ro"],
    )
    HealthRecord.objects.create(case=case, medical_history=HEALTH)
    for content, name, kind, group in (
        (DOCUMENT, "passport.pdf", "identity_document", "identity"),
        (HEALTH.encode(), "letter.txt", "medical", "health"),
    ):
        document_upload(
            actor=manager,
            case=case,
            upload=ContentFile(content, name=name),
            title="Fictional " + name,
            kind=kind,
            field_group=group,
        )
    yesterday = timezone.localdate() - timedelta(days=1)
    share = consent_record(
        actor=manager,
        case=case,
        purpose="share_data",
        decision="given",
        decided_on=yesterday,
        explained_in="ro",
        information_given="Explained with a fictional interpreter.",
        recipient_organisation=point,
    )
    consent_record(
        actor=manager,
        case=case,
        purpose="return",
        decision="given",
        decided_on=yesterday,
        explained_in="ro",
        information_given="Explained.",
    )
    world = World(al, ro, agency, point, agency, {Role.CASE_MANAGER: manager.membership}, {})
    make_agreement(
        world,
        others=[point],
        flows={(agency, point): (FieldGroup.IDENTITY, FieldGroup.ASSISTANCE, FieldGroup.TRAVEL)},
        sign=True,
    )
    out = {
        "manager": manager_token,
        "worker": worker_token,
        "case": str(case.public_id),
        "consent": share.pk,
    }
    print(MARK + json.dumps(out))


def setup_node_b() -> None:
    """Node B: its own focal point with a case manager; agency A as an organisation of AL."""
    from opentrm.accounts.roles import Role
    from opentrm.directory.models import Country, Organisation, OrganisationType

    al, _ = Country.objects.get_or_create(code="AL")
    ro, _ = Country.objects.get_or_create(code="RO")
    Organisation.objects.create(country=al, name=A_ORG, type=OrganisationType.SOCIAL_SERVICES)
    point = _focal_point(ro, RO_POINT)
    _manager, token = _member(point, Role.CASE_MANAGER, "b_manager")
    print(MARK + json.dumps({"manager": token}))


def _in_node(node: Node, function: str) -> dict[str, Any]:
    out = node.run(
        "shell", "-c", f"from tests.exchange.test_referral_journey import {function}; {function}()"
    )
    match = re.search(re.escape(MARK) + r"(.+)", out)
    assert match, out
    found: dict[str, Any] = json.loads(match.group(1))
    return found


# --- over HTTP --------------------------------------------------------------------------------


def api(node: Node, token: str, method: str, path: str, payload: Any = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        f"{node.base_url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from None


def deliver(node: Node) -> None:
    """One worker pass: every package due is delivered (and handled by the peer)."""
    node.run("exchange_worker", "--once")
    rows = node.query("SELECT status FROM exchange_outboxmessage WHERE status != 'delivered'")
    assert rows == [], rows


def referral(node: Node, token: str, public_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api(node, token, "GET", f"/referrals/{public_id}")
    return found


def audit_ids(node: Node, event: str) -> list[str]:
    """The message ids of ``event`` about this journey's packages (not the nodes' directories,
    which they also send each other: docs/directory-federation.md)."""
    rows = node.query("SELECT detail FROM audit_auditevent WHERE event_type = ?", [event])
    ids = []
    for (detail,) in rows:
        value = json.loads(detail) if isinstance(detail, str) else detail
        if value.get("type") != "directory":
            ids.append(str(value["message_id"]))
    return sorted(ids)


def test_the_transnational_journey_between_two_nodes(nodes: Pair) -> None:
    a, b = nodes.a, nodes.b
    at_a = _in_node(a, "setup_node_a")
    at_b = _in_node(b, "setup_node_b")

    # A's caseworker drafts and sends the transnational referral to RO: a node-to-node one.
    draft = api(
        a,
        at_a["worker"],
        "POST",
        "/referrals/transnational",
        {"case": at_a["case"], "country": "RO", "reason": REASON},
    )
    public_a = str(draft["referral"])
    api(
        a,
        at_a["worker"],
        "POST",
        f"/referrals/{public_a}/template/send",
        {"version": draft["version"]},
    )
    assert a.query("SELECT delivery, status FROM referrals_referral") == [("node_exchange", "sent")]
    deliver(a)

    # B's focal point finds it in its inbox: the minimal offer only.
    inbox = api(b, at_b["manager"], "GET", "/referrals/?box=inbox")
    assert inbox["count"] == 1
    incoming = inbox["items"][0]
    public_b = str(incoming["public_id"])
    assert incoming["status"] == "sent"
    assert incoming["case_public_id"] is None
    # ... which names her sex, age band and languages, and the reason (HTCDS in the package)
    offer = incoming["offer"]
    assert (offer["sex"], offer["age_band"], offer["languages"]) == ("female", "over_18", ["ro"])
    assert offer["reason"] == REASON
    (stored,) = b.query("SELECT body FROM exchange_inboxmessage WHERE type = 'referral'")
    stored_text = stored[0] if isinstance(stored[0], str) else json.dumps(stored[0])
    assert '"prs_Gender": "Feminine"' in stored_text.replace('":"', '": "')
    template_b = api(b, at_b["manager"], "GET", f"/referrals/{public_b}/template")
    assert NAME not in json.dumps(template_b)

    # B acknowledges and accepts: a local case opens on B; the steps flow back to A.
    step = api(
        b,
        at_b["manager"],
        "POST",
        f"/referrals/{public_b}/acknowledge",
        {"version": incoming["version"]},
    )
    accepted = api(
        b, at_b["manager"], "POST", f"/referrals/{public_b}/accept", {"version": step["version"]}
    )
    assert accepted["status"] == "accepted"
    assert accepted["case_public_id"] is not None
    assert b.query("SELECT COUNT(*) FROM cases_case") == [(1,)]
    # the identity document travelled inside the package and is now a document of B's case
    # (the health letter is not in the agreement: it never left A)
    assert b.query("SELECT field_group, content_type FROM cases_casedocument") == [
        ("identity", "application/pdf")
    ]
    template_b = api(b, at_b["manager"], "GET", f"/referrals/{public_b}/template")
    assert NAME in json.dumps(template_b)
    deliver(b)
    # A applies the steps in order; one that arrived while the earlier was being applied waits
    # for A's worker's next look (ORDER_RECHECK_SECONDS).
    for _ in range(20):
        seen_a = referral(a, at_a["worker"], public_a)
        if seen_a["status"] == "accepted":
            break
        time.sleep(1)
        a.run("exchange_worker", "--once")
    assert seen_a["status"] == "accepted"

    # A arranges the return; B confirms the arrival and reports (§6); A sees the report.
    api(
        a,
        at_a["worker"],
        "POST",
        f"/referrals/{public_a}/template/steps/return_arranged",
        {"version": seen_a["version"]},
    )
    deliver(a)
    seen_b = referral(b, at_b["manager"], public_b)
    assert seen_b["status"] == "return_arranged"
    api(
        b,
        at_b["manager"],
        "POST",
        f"/referrals/{public_b}/template/steps/arrival_confirmed",
        {"version": seen_b["version"]},
    )
    api(
        b,
        at_b["manager"],
        "POST",
        f"/referrals/{public_b}/template/follow-ups",
        {
            "reported_on": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
            "values": {"s6_1.accommodation": "shelter"},
            "summary": "Fictional first visit after the return.",
        },
    )
    deliver(b)
    assert referral(a, at_a["worker"], public_a)["status"] == "arrival_confirmed"
    reports = a.query("SELECT summary, data FROM referrals_followupreport")
    assert len(reports) == 1
    assert reports[0][0] == "Fictional first visit after the return."
    assert "shelter" in str(reports[0][1])

    # The person withdraws the consent on A: B's access narrows at once, and B acknowledges.
    api(a, at_a["manager"], "POST", f"/cases/{at_a['case']}/consents/{at_a['consent']}/withdraw")
    deliver(a)
    template_b = api(b, at_b["manager"], "GET", f"/referrals/{public_b}/template")
    assert NAME not in json.dumps(template_b)
    assert referral(b, at_b["manager"], public_b)["shared_groups"] == []
    deliver(b)
    # ... and B's stored copies lose the withdrawn groups: the packages' plaintext and signed
    # tokens, the referral's snapshot; audited on both sides.
    stored_b = b.query("SELECT body, signed FROM exchange_inboxmessage WHERE type = 'referral'")
    assert NAME not in str(stored_b[0][0])
    assert stored_b[0][1] == ""
    assert all(
        NAME not in str(data) for (data,) in b.query("SELECT data FROM referrals_templateinstance")
    )
    assert len(audit_ids(b, "REFERRAL_COPIES_NARROWED")) == 1
    assert audit_ids(a, "REFERRAL_NARROWING_SENT") == audit_ids(b, "REFERRAL_COPIES_NARROWED")
    deliver(a)  # the outcome of B's last package (issue 13: every package is answered)

    # Withheld categories never reached B, not even in its stored packages.
    bodies = [body for (body,) in b.query("SELECT body FROM exchange_inboxmessage")]
    assert bodies
    assert all(HEALTH not in str(body) for body in bodies)
    assert all(
        '"s3_2"' not in (body if isinstance(body, str) else json.dumps(body)) for body in bodies
    )
    # Every package: sent by one, received and processed once by the other, one message id.
    for sender, receiver in ((a, b), (b, a)):
        sent = audit_ids(sender, "EXCHANGE_SENT")
        assert sent == audit_ids(sender, "EXCHANGE_DELIVERED")
        assert sent == audit_ids(receiver, "EXCHANGE_RECEIVED")
        assert sent == audit_ids(receiver, "EXCHANGE_PROCESSED")
    # A: the referral, the return, the withdrawal, and the outcomes of B's five packages.
    assert len(audit_ids(a, "EXCHANGE_SENT")) == 3 + 5
    types_b = sorted(
        t for (t,) in b.query("SELECT type FROM exchange_inboxmessage WHERE type <> 'directory'")
    )
    assert types_b == ["consent_withdrawal"] + ["outcome"] * 5 + ["referral", "status_update"]
    types_a = sorted(
        t for (t,) in a.query("SELECT type FROM exchange_inboxmessage WHERE type <> 'directory'")
    )
    assert types_a == ["follow_up"] + ["outcome"] * 3 + ["status_update"] * 4
    # Every package of the referral was applied, and the sender heard it.
    for node in (a, b):
        answers = node.query(
            "SELECT outcome FROM exchange_outboxmessage WHERE type NOT IN ('outcome', 'directory')"
        )
        assert answers
        assert {outcome for (outcome,) in answers} == {"applied"}
    # Nothing duplicated: one referral on each node, one case on B.
    assert b.query("SELECT COUNT(*) FROM referrals_referral") == [(1,)]
    assert a.query("SELECT COUNT(*) FROM referrals_referral") == [(1,)]
    processed = b.query("SELECT COUNT(*) FROM exchange_inboxmessage WHERE processed_at IS NULL")
    assert processed == [(0,)]
