"""Form helpers shared by the apps."""

from collections.abc import Callable, Collection
from datetime import date
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from opentrm.core.input import date_bounds_for, name_problem, text_problem

DATETIME_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, handled_elsewhere: Collection[str] = ()
) -> dict[str, list[str]]:
    """Put a service's ValidationError on the fields it names, the rest above the form.

    Messages for the names in ``handled_elsewhere`` (e.g. a formset's rows) are returned to the
    caller instead of being shown.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return {}
    returned: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        if name in handled_elsewhere:
            returned[name] = messages
        elif name in form.fields:
            form.add_error(name, messages)
        else:
            # NON_FIELD_ERRORS, or a field this form does not show (e.g. the country).
            form.add_error(None, messages)
    return returned


def add_precheck_errors(form: forms.BaseForm, precheck: Callable[[], None]) -> None:
    """On a form that is invalid already, run the service's own checks (``precheck``) on what
    could be read, and show what they say about the fields that have no error yet: every error
    at once, not one more on each submit (issue 12 §5). A check that cannot run on the partial
    data (a field missing) says nothing."""
    try:
        precheck()
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            return
        for name, messages in error.message_dict.items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, messages)
    except (KeyError, TypeError, ValueError, AttributeError):
        return


def raise_errors(errors: dict[str, list[str]]) -> None:
    """Raise a service's collected errors (``{field: [message, ...]}``), if any: the shape of a
    ``precheck`` built on a service's ``..._errors`` function."""
    if errors:
        raise ValidationError(errors)


def model_formfield(field: "models.Field[Any, Any]", **kwargs: Any) -> forms.Field:
    """A model field's form field with the widgets the screens use: a three-row text area for
    long text, the browser's date-and-time picker for a moment, its date picker for a day, and
    https for an address typed without a scheme (``formfield_callback`` of ``fields_for_model``).
    """
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    if isinstance(field, models.TextField):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
    if isinstance(field, models.DateTimeField):
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT)
        )
    elif isinstance(field, models.DateField):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    formfield = field.formfield(**kwargs)
    assert formfield is not None  # only auto and generated fields have none
    return formfield


def errors_renamed(error: ValidationError, name_of: Callable[[str], str]) -> ValidationError:
    """A service's error on the form's names for the fields it names (``name_of`` maps a
    service's name to the form's; ``"__all__"`` puts a message above the form)."""
    if not hasattr(error, "error_dict"):
        return error
    renamed: dict[str, list[str]] = {}
    for name, texts in error.message_dict.items():
        renamed.setdefault(name_of(name), []).extend(texts)
    return ValidationError(renamed)


class InputRulesMixin:
    """The input rules of ``opentrm.core.input`` on every field of a form, as for the API.

    Text: no NUL (Django's own check) and no unpaired surrogate; the fields named in
    ``person_name_fields``: no bidi-control or zero-width characters; dates: within the bounds of
    the field (``date_bounds_for``). Checked after the form's own cleaning, so a field that
    failed already keeps its first message.
    """

    person_name_fields: ClassVar[tuple[str, ...]] = ()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form = cast(forms.BaseForm, self)
        if not hasattr(form, "cleaned_data"):
            return
        for name, value in list(form.cleaned_data.items()):
            if name in form.errors:
                continue
            problem = _problem(name, value, name in self.person_name_fields)
            if problem:
                form.add_error(name, problem)


def _problem(name: str, value: Any, is_person_name: bool) -> str | None:
    if isinstance(value, str):
        return name_problem(value) if is_person_name else text_problem(value)
    if isinstance(value, date):
        return date_bounds_for(name).problem(value)
    return None


class Form(InputRulesMixin, forms.Form):
    pass


class ModelForm(InputRulesMixin, forms.ModelForm):  # type: ignore[type-arg]
    pass


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Django's ``widgets/attrs.html``: ``True`` a bare attribute, ``False`` none."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class QuickSelect(forms.Select):
    """A ``<select>`` written in Python: the same markup as Django's ``select.html``, without
    a template include per option (a list page's filter form renders dozens of options on
    every request; issue 18)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]),
                    _attrs(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append(SafeString("</optgroup>"))
        parts.append(SafeString("</select>"))
        return format_html_join("\n", "{}", ((part,) for part in parts))


def quick_selects(form: forms.BaseForm) -> None:
    """Render the form's plain ``Select`` widgets with ``QuickSelect`` (same markup)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = QuickSelect


def cleaned(form: forms.BaseForm, *names: str) -> dict[str, Any]:
    """The cleaned values of the fields ``names`` of a valid form, keyed by name: the keyword
    arguments of a service whose parameters are named like the form's fields."""
    return {name: form.cleaned_data[name] for name in names}


# Django's input widgets whose template is ``widgets/input.html`` and nothing more.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "checkbox",
        "date",
        "datetime",
        "email",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)
_LABEL_TEMPLATE = "django/forms/label.html"


class QuickRenderer(DjangoTemplates):
    """Django's form renderer with the label and the plain ``<input>`` written in Python (the
    same markup as ``label.html`` and ``widgets/input.html``): a template each costs more than
    the rest of a field on a list page's search form (issue 18). Every other template (selects
    of radio buttons, textareas, ...) goes to Django's."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in _INPUT_TEMPLATES:
            widget = context["widget"]
            value = widget["value"]
            return format_html(
                '<input type="{}" name="{}"{}{}>',
                widget["type"],
                widget["name"],
                "" if value is None else format_html(' value="{}"', str(value)),
                _attrs(widget["attrs"]),
            )
        if template_name == _LABEL_TEMPLATE:
            if not context["use_tag"]:
                return conditional_escape(context["label"])
            return format_html(
                "<{}{}>{}</{}>",
                context["tag"],
                _attrs(context["attrs"] or {}),
                context["label"],
                context["tag"],
            )
        return super().render(template_name, context, request)


QUICK_RENDERER = QuickRenderer()


def quick_fields(form: forms.BaseForm) -> SafeString:
    """``components/form.html`` (without glossary tips) written in Python, the same markup: a
    list page's search form on every request without a template include per field. A field in
    a fieldset, and the summary of a form's errors, are still rendered by their templates."""
    parts = [
        render_to_string("components/form_errors.html", {"form": form}) if form.errors else "\n",
        "\n",
        *(str(field) for field in form.hidden_fields()),
        "\n",
    ]
    for field in form.visible_fields():
        if field.use_fieldset:
            parts.append(render_to_string("components/field.html", {"field": field}))
            continue
        errors = field.errors
        help_text = (
            format_html('<p class="help" id="{}_helptext">{}</p>', field.auto_id, field.help_text)
            if field.help_text
            else ""
        )
        error_list = (
            format_html(
                '<ul class="errorlist" id="{}_error">{}</ul>',
                field.auto_id,
                format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
            )
            if errors
            else ""
        )
        parts.append(
            format_html(
                '<div class="field{}">\n  {}\n  {}\n  {}\n  {}\n</div>\n',
                " has-error" if errors else "",
                field.label_tag(),
                field,
                help_text,
                error_list,
            )
        )
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped by format_html above


def edited(form: forms.BaseForm, *names: str) -> dict[str, Any]:
    """A change service's keyword arguments from a valid form opened at a row's ``version``:
    ``expected_version`` (the optimistic lock) and the fields ``names`` (as ``cleaned``)."""
    return {"expected_version": form.cleaned_data["version"], **cleaned(form, *names)}
