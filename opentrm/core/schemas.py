"""The base of every API schema: the input rules of ``opentrm.core.input`` on every field.

Each app's schemas derive from ``Schema`` here instead of ninja's, so a new field obeys the
rules without anyone remembering them: dates within the field's plausible bounds, integers
within the database's columns, text without NUL or unpaired surrogates. A 422 names the field.
The rules apply to what a request sends; answers built from stored data are not re-checked.
Person names use the ``PersonName`` type.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from django.utils.translation import gettext as _
from ninja import Schema as NinjaSchema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from opentrm.core.input import (
    BIGINT_MAX,
    BIGINT_MIN,
    INT_MAX,
    INT_MIN,
    date_bounds_for,
    date_pattern,
    integer_problem,
    is_id_name,
    name_problem,
    text_problem,
)


def _is_request_input(info: ValidationInfo) -> bool:
    context = info.context
    # ninja validates input with {"request"} and answers with {"request", "response_status"};
    # a schema built in code (no context) is checked too.
    return not (isinstance(context, dict) and "response_status" in context)


def _check(field_name: str, value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if problem := integer_problem(field_name, value):
            raise ValueError(problem)
    elif isinstance(value, date):
        if problem := date_bounds_for(field_name).problem(value):
            raise ValueError(problem)
    elif isinstance(value, str):
        if problem := text_problem(value):
            raise ValueError(problem)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(field_name, item)


def _is_request_body(info: ValidationInfo) -> bool:
    """Validation of what a request sent (ninja passes {"request"}), not of an answer or of a
    schema built in code from an object."""
    context = info.context
    return isinstance(context, dict) and "request" in context and "response_status" not in context


def _types(annotation: Any) -> set[Any]:
    """The plain types an annotation admits: ``Annotated[date | None, ...]`` -> {date, None}."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _types(get_args(annotation)[0])
    if origin is Union or type(annotation).__name__ == "UnionType":
        return set().union(*(_types(arg) for arg in get_args(annotation)))
    return {origin or annotation}


# OpenAPI's numbers for keys a schema does not name: the request-wide integer rule
# (core.middleware: every integer in a body fits 64 bits) holds for them too, at any depth. One
# recursive component rather than a nested copy per schema: a copy stops at some depth, and
# beyond it the fuzzing sent integers the server refuses. pydantic resolves every "$ref" it
# meets while building a schema, so schemas carry a marker that ``declare_bounded_json`` (called
# on the finished document, config/api.py) turns into the reference.
BOUNDED_JSON = "BoundedJson"
_EXTRA_VALUE: dict[str, Any] = {"x-opentrm-bounded-json": True}
_BOUNDED_JSON_REF = {"$ref": f"#/components/schemas/{BOUNDED_JSON}"}


def declare_bounded_json(document: dict[str, Any]) -> None:
    """Replace the markers by the reference and add the component to an OpenAPI document."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if value == _EXTRA_VALUE:
                    node[key] = dict(_BOUNDED_JSON_REF)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    document.setdefault("components", {}).setdefault("schemas", {})[BOUNDED_JSON] = {
        "description": "Any JSON value; its integers, at any depth, fit 64 bits.",
        "minimum": BIGINT_MIN,
        "maximum": BIGINT_MAX,
        "items": dict(_BOUNDED_JSON_REF),
        "additionalProperties": dict(_BOUNDED_JSON_REF),
    }


def _declare_limits(schema: dict[str, Any], cls: Any) -> None:
    """Declare the integer and date rules in the OpenAPI document, as the checks below enforce
    them; a request naming a key the schema does not is refused (``_json_object``), so the
    object is closed; a free-form object inside it (a ``dict`` field) holds 64-bit integers."""
    schema["additionalProperties"] = False
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("type") == "object" and prop.get("additionalProperties", True) in (True, {}):
            prop["additionalProperties"] = dict(_EXTRA_VALUE)
        low, high = (BIGINT_MIN, BIGINT_MAX) if is_id_name(name) else (INT_MIN, INT_MAX)
        candidates = [prop, prop.get("items") or {}, *(prop.get("anyOf") or [])]
        bounds = date_bounds_for(name)
        for candidate in candidates:
            if isinstance(candidate, dict) and candidate.get("type") == "integer":
                candidate.setdefault("minimum", low)
                candidate.setdefault("maximum", high)
            if isinstance(candidate, dict) and candidate.get("format") in ("date", "date-time"):
                # The bounds as of the day the document is served (they move with today). A
                # date-time is checked by its date: the same pattern, up to the "T".
                pattern = date_pattern(bounds.earliest, bounds.latest())
                if candidate["format"] == "date-time":
                    pattern = pattern.removesuffix("$") + "T"
                candidate.setdefault("pattern", pattern)


def _as_raised(error: ValidationError) -> list[InitErrorDetails]:
    """The errors of ``error`` as they can be raised again, each with its message as it is."""
    return [
        InitErrorDetails(
            type=PydanticCustomError(detail["type"], detail["msg"]),
            loc=detail["loc"],
            input=detail.get("input"),
        )
        for detail in error.errors(include_url=False)
    ]


def _attribute(obj: Any, path: str) -> Any:
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


# An answer is read from the object a route returns (a model row, a dataclass): each field from
# the attribute of its name, or from the dotted path ``read_from`` names for it
# (``{"country": "organisation.country.code"}``), or by a ninja ``resolve_<field>``.
class Schema(NinjaSchema):
    model_config = ConfigDict(json_schema_extra=_declare_limits)
    read_from: ClassVar[Mapping[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _read_from(cls, value: Any) -> Any:
        # ninja has wrapped the object in its DjangoGetter by now (it applies the resolvers).
        if not cls.read_from or not isinstance(value, DjangoGetter):
            return value
        obj = value._obj
        if isinstance(obj, dict | BaseModel):
            return value
        read: dict[str, Any] = {}
        for name in cls.model_fields:
            try:
                read[name] = (
                    _attribute(obj, cls.read_from[name])
                    if name in cls.read_from
                    else getattr(value, name)
                )
            except AttributeError:
                continue  # a field with a default
        return read

    @model_validator(mode="wrap")
    @classmethod
    def _json_object(cls, value: Any, handler: Any, info: ValidationInfo) -> Any:
        """A request body (or a part of one) declared as an object is a JSON object: ninja
        reads any value by attribute, so ``[null, null]`` or ``0`` would pass as "all defaults".
        It names only the keys the schema declares: any other is refused, each by its name,
        with the body's other errors (a misspelt key is a mistake, not something to ignore).
        """
        if not _is_request_body(info):
            return handler(value)
        if not isinstance(value, dict | NinjaSchema):
            raise ValueError(str(_("A JSON object is expected here.")))
        sent: dict[Any, Any] = value if isinstance(value, dict) else {}
        undeclared = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "extra_forbidden", str(_("This request does not take this key."))
                ),
                loc=(key,),
                input=sent[key],
            )
            for key in sent
            if key not in cls.model_fields
        ]
        try:
            validated = handler(value)
        except ValidationError as error:
            if not undeclared:
                raise
            raise ValidationError.from_exception_data(
                cls.__name__, [*_as_raised(error), *undeclared]
            ) from None
        if undeclared:
            raise ValidationError.from_exception_data(cls.__name__, undeclared)
        return validated

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        """JSON types as the document declares them: pydantic's lax mode would take ``0`` for a
        date (1970-01-01) or for ``false``."""
        if not _is_request_body(info) or info.field_name is None or value is None:
            return value
        types = _types(cls.model_fields[info.field_name].annotation)
        if types & {date, datetime} and not isinstance(value, str | date):
            raise ValueError(str(_("A date is expected here, as text (YYYY-MM-DD).")))
        if types <= {bool, type(None)}:
            # A query string's "true" is text; a JSON body says true.
            request = (info.context or {}).get("request")
            from_query = isinstance(value, str) and getattr(request, "method", "") == "GET"
            if not isinstance(value, bool) and not from_query:
                raise ValueError(str(_("true or false is expected here.")))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _input_rules(cls, value: Any, info: ValidationInfo) -> Any:
        if _is_request_input(info) and info.field_name is not None:
            _check(info.field_name, value)
        return value


def own_fields(schema: type[BaseModel], obj: Any, *, besides: frozenset[str]) -> dict[str, Any]:
    """The fields of ``schema`` read from the attributes of ``obj`` of the same names, all but
    ``besides`` (the ones a route works out itself)."""
    return {name: getattr(obj, name) for name in schema.model_fields if name not in besides}


def _is_text(annotation: Any) -> bool:
    return annotation is str or str in get_args(annotation)


class PatchSchema(Schema):
    """A PATCH body: only the fields sent change. An explicit ``null`` empties a text field and
    is refused (422) for any other field, unless the field is in ``nullable`` (its column takes
    null: "no longer known")."""

    nullable: ClassVar[frozenset[str]] = frozenset()
    model_config = ConfigDict(json_schema_extra=lambda schema, cls: _declare_patch(schema, cls))

    @field_validator("*", mode="after")
    @classmethod
    def _null(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        if value is not None or name is None or name in cls.nullable:
            return value
        if _is_text(cls.model_fields[name].annotation):
            return ""
        raise ValueError(str(_("null is not allowed here: leave the field out to keep it.")))


def _declare_patch(schema: dict[str, Any], cls: Any) -> None:
    """The document says where ``null`` is refused: not for a field outside ``nullable`` that
    is not text (text takes null as "empty it")."""
    _declare_limits(schema, cls)
    for name, prop in (schema.get("properties") or {}).items():
        field = cls.model_fields.get(name)
        if field is None or name in cls.nullable or _is_text(field.annotation):
            continue
        options = prop.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options:
            kept = [option for option in options if option != {"type": "null"}]
            prop.pop("anyOf")
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept


def _person_name(value: str) -> str:
    if problem := name_problem(value):
        raise ValueError(problem)
    return value


PersonName = Annotated[
    str,
    AfterValidator(_person_name),
    Field(
        max_length=200,
        description="No NUL, bidi-control or zero-width characters.",
    ),
]


def one_of(values: Iterable[str]) -> dict[str, Any]:
    """``json_schema_extra`` of text a service takes only from a list: the document lists it."""
    return {"enum": list(values)}


def each_one_of(values: Iterable[str]) -> dict[str, Any]:
    """``json_schema_extra`` of a list of such texts."""
    return {"items": {"type": "string", "enum": list(values)}}


# A row's id in a query (a filter): a 64-bit key, so the document bounds it as the database does
# (beyond, the filter could match nothing or overflow the column).
IdQuery = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


# A case's or a referral's public id in a path: the server looks it up as a UUID (anything else
# is refused with 422), so the document says so.
PublicId = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]


# --- errors (documented in the OpenAPI document; produced by config/api.py) --------------------


class FieldError(Schema):
    field: str = Field(description="Dotted path of the field, e.g. `channels.0.value`")
    message: str


class ErrorOut(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid`, `conflict`")
    message: str = Field(description="Human-readable explanation in the request's language")
    errors: list[FieldError] = []


def error_responses(*statuses: int) -> dict[int, Any]:
    """The error answers a route documents, for ``response={200: ..., **error_responses(...)}``."""
    return dict.fromkeys(statuses, ErrorOut)


# What a route on case work can answer: a body that is not JSON at all (400, before the
# schema is looked at), not logged in, not allowed, not found (or not yours), changed by someone
# else meanwhile, refused input.
CASE_WORK_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


# --- numbers in queries: a page beyond the last is empty, but OFFSET must fit the database ----

MAX_PAGE = 1_000_000


class PageNumberPagination(NinjaPageNumberPagination):
    """ninja's page-number pagination with the page number bounded (OFFSET fits 64 bits)."""

    class Input(NinjaSchema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)


__all__ = [
    "CASE_WORK_ERRORS",
    "MAX_PAGE",
    "ErrorOut",
    "FieldError",
    "IdQuery",
    "PageNumberPagination",
    "PatchSchema",
    "PersonName",
    "PublicId",
    "Schema",
    "declare_bounded_json",
    "each_one_of",
    "error_responses",
    "one_of",
    "own_fields",
]
