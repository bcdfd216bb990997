"""Generating research datasets: the k-anonymous export and the synthetic dataset.

Each generation reads the cases of one country (the actor's own), stores the CSV with what
was asked and what came out, and records one audit event with the kind, k or epsilon and the
row counts (never a value of a record).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.errors import DomainError
from opentrm.directory.models import Country
from opentrm.research import kanon, synthetic
from opentrm.research.kanon import Key
from opentrm.research.layout import COLUMNS, DATASOURCE, QUASI_IDENTIFIERS
from opentrm.research.models import DatasetKind, ResearchDataset
from opentrm.research.selectors import case_counts

MAX_K = 1000
MAX_EPSILON = 50.0


def write_csv(records: Iterable[Key]) -> bytes:
    """The records in the CTDC layout (every column, ``COLUMNS``), as gzip-compressed UTF-8.

    Records come grouped (``kanon.expand`` sorts them): each distinct row is formatted once
    and written as many times as it occurs, so a million records cost the distinct rows'
    formatting plus the compression, not a million ``writerow`` calls."""
    at = [COLUMNS.index(c) for c in QUASI_IDENTIFIERS]
    template = ["" for _ in COLUMNS]
    template[COLUMNS.index("Datasource")] = DATASOURCE
    row = io.StringIO(newline="")
    writer = csv.writer(row)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0) as raw:
        writer.writerow(COLUMNS)
        raw.write(row.getvalue().encode("utf-8"))
        for key, group in groupby(records):
            line = list(template)
            for i, value in zip(at, key, strict=True):
                line[i] = value
            row.seek(0)
            row.truncate()
            writer.writerow(line)
            raw.write(row.getvalue().encode("utf-8") * sum(1 for _ in group))
    return buffer.getvalue()


def read_csv(dataset: ResearchDataset) -> bytes:
    return gzip.decompress(bytes(dataset.csv_gz))


def _country(actor: Actor | None, country: Country | None) -> Country:
    """The actor's own country; a ``country`` only without an actor (scripts, benchmarks)."""
    if actor is None:
        if country is None:
            raise DomainError(_("No country to export."))
        return country
    require(actor, Action.RESEARCH_EXPORT)
    if actor.membership is None or (country is not None and country.pk != actor.country_id):
        raise PermissionDenied
    return actor.membership.organisation.country


def _store(
    *,
    actor: Actor | None,
    country: Country,
    kind: DatasetKind,
    records: Iterable[Key],
    detail: dict[str, Any],
    **fields: Any,
) -> ResearchDataset:
    content = write_csv(records)
    with transaction.atomic():
        dataset = ResearchDataset.objects.create(
            kind=kind,
            country=country,
            recorded_by=actor.user if actor else None,
            csv_gz=content,
            **fields,
        )
        record_event(
            event_type=EventType.RESEARCH_DATASET_GENERATED,
            actor=actor,
            target=dataset,
            detail={
                "kind": kind.value,
                "country": country.code,
                "records_in": dataset.records_in,
                "records_out": dataset.records_out,
                "suppressed": dataset.suppressed,
                **detail,
            },
        )
    return dataset


def kanon_generate(
    *,
    actor: Actor | None,
    k: int = kanon.DEFAULT_K,
    max_suppression: float = kanon.DEFAULT_MAX_SUPPRESSION,
    country: Country | None = None,
) -> ResearchDataset:
    """The k-anonymous record-level export of the actor's country (``country`` only for the
    operator's command, which has no actor)."""
    place = _country(actor, country)
    if not 2 <= k <= MAX_K:
        raise DomainError(_("k must be between 2 and %(max)s.") % {"max": MAX_K})
    if not 0 <= max_suppression <= 1:
        raise DomainError(_("The share of records left out must be between 0 and 1."))
    result = kanon.k_anonymise(case_counts(place.pk), k=k, max_suppression=max_suppression)
    return _store(
        actor=actor,
        country=place,
        kind=DatasetKind.K_ANONYMOUS,
        records=kanon.expand(result.counts),
        detail={"k": k, "generalised": result.rungs},
        k=k,
        records_in=result.records_in,
        records_out=result.records_out,
        suppressed=result.suppressed,
        parameters={
            "max_suppression": max_suppression,
            "generalised": result.rungs,
            "quasi_identifiers": list(QUASI_IDENTIFIERS),
        },
    )


def synthetic_generate(
    *,
    actor: Actor | None,
    epsilon: float = synthetic.DEFAULT_EPSILON,
    country: Country | None = None,
) -> ResearchDataset:
    """A differentially private synthetic dataset of the actor's country, with the utility
    report (marginal error per column) stored beside it."""
    place = _country(actor, country)
    if not 0 < epsilon <= MAX_EPSILON:
        raise DomainError(_("Epsilon must be above 0 and at most %(max)s.") % {"max": MAX_EPSILON})
    real = case_counts(place.pk)
    made = synthetic.synthesize(real, epsilon=epsilon)
    kept, dropped = synthetic.drop_real_uniques(made, real)
    report = [column.as_dict() for column in synthetic.utility(real, kept)]
    return _store(
        actor=actor,
        country=place,
        kind=DatasetKind.SYNTHETIC,
        records=kanon.expand(kept),
        detail={"epsilon": epsilon, "dropped_real_uniques": dropped},
        epsilon=epsilon,
        records_in=sum(real.values()),
        records_out=sum(kept.values()),
        suppressed=dropped,
        parameters={
            "synthesizer": synthetic.synthesizer_name(),
            "reporting_length": synthetic.DEFAULT_REPORTING_LENGTH,
            "synthesized": sum(made.values()),
            "dropped_real_uniques": dropped,
            "columns_synthesized": list(synthetic.SYNTH_COLUMNS),
        },
        utility=report,
    )


def download(*, actor: Actor, dataset: ResearchDataset) -> bytes:
    """The dataset's CSV, to the coordinators and statisticians of its country (the rule in
    ``research.access``); the download is audited."""
    require(actor, Action.RESEARCH_EXPORT, dataset)
    content = read_csv(dataset)
    record_event(
        event_type=EventType.RESEARCH_DATASET_DOWNLOADED,
        actor=actor,
        target=dataset,
        detail={"kind": dataset.kind, "records": dataset.records_out},
    )
    return content
