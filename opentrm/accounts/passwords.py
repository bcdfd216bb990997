"""The password policy beyond Django's validators (settings.AUTH_PASSWORD_VALIDATORS).

- ``BreachedPasswordValidator``: a list shipped with the code, ``data/breached-passwords.txt.gz``
  (no download at run time): Django's 20,000 common passwords, the 30,000 most frequent breached
  passwords of the zxcvbn project (MIT licence) and OpenTRM's own published demo password.
- ``MadeOfUserNameValidator``: not the user's names with a year or some punctuation around them.
- ``RepetitionValidator``: ``aaaaaaaaaaaa``, ``abcabcabcabc`` and passwords of a handful of
  different characters.
- ``PasswordHistoryValidator``: not one of the last N passwords (kept as hashes). Its
  ``password_changed`` hook, which Django calls after every saved password change (the account
  page, ``opentrm changepassword``), also revokes the user's API tokens.
"""

import re
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The demo nodes' one password (``opentrm load_demo`` prints it): published, so refused as a
# real password like any breached one.
DEMO_PASSWORD = "opentrm-demo"  # noqa: S105 - printed on purpose; demo nodes only
BREACHED_PASSWORDS = Path(__file__).resolve().parent / "data" / "breached-passwords.txt.gz"
_REPEATED_UNIT = re.compile(r"(.{1,6}?)\1+", re.DOTALL)
MIN_DISTINCT_CHARACTERS = 5


class BreachedPasswordValidator(CommonPasswordValidator):
    """Refuse a password found in the shipped list of breached and published passwords."""

    def __init__(self, password_list_path: str | Path = BREACHED_PASSWORDS) -> None:
        super().__init__(password_list_path)

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower().strip()
        # A listed password with digits or punctuation around it ("sunshine2024!") is no better.
        core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
        candidates = {lowered, re.sub(r"\s+", "", lowered), core}
        if candidates & self.passwords:
            raise ValidationError(
                _("This password is on a list of breached or published passwords."),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Your password can't be a breached or published password.")


class RepetitionValidator:
    """Refuse a password that repeats a short pattern or uses only a few different characters."""

    def validate(self, password: str, user: Any = None) -> None:
        folded = password.casefold()
        if _REPEATED_UNIT.fullmatch(folded) or len(set(folded)) < MIN_DISTINCT_CHARACTERS:
            raise ValidationError(
                _("This password repeats too few characters."), code="password_repetitive"
            )

    def get_help_text(self) -> str:
        return _("Your password can't repeat a short pattern such as “aaaa” or “abcabc”.")


class MadeOfUserNameValidator:
    """Refuse a password that is little more than the user's names with digits or punctuation.

    Django's similarity check compares each attribute with the whole password, so a long
    password such as a first and last name followed by a year passes it; this one takes the
    names out and looks at what is left.
    """

    attributes = ("username", "first_name", "last_name", "email")
    minimum_rest = 4

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        rest = password.casefold()
        words: set[str] = set()
        for attribute in self.attributes:
            value = str(getattr(user, attribute, "") or "").casefold()
            if attribute == "email":
                value = value.partition("@")[0]
            words.add(value)
            words.update(re.split(r"[\W_]+", value))
        for word in sorted((w for w in words if len(w) >= 3), key=len, reverse=True):
            rest = rest.replace(word, "")
        if len(re.sub(r"[\W\d_]+", "", rest)) < self.minimum_rest:
            raise ValidationError(
                _("This password is made of your names."), code="password_made_of_names"
            )

    def get_help_text(self) -> str:
        return _("Your password can't be made of your user name, names or e-mail address.")


class PasswordHistoryValidator:
    """Refuse the user's current password and the ``remembered`` passwords before it.

    The history holds the hashes of earlier passwords (``User.set_password`` keeps the outgoing
    hash until the new password is saved); the current one is the user's own hash.
    """

    def __init__(self, remembered: int = 5) -> None:
        self.remembered = remembered

    def validate(self, password: str, user: Any = None) -> None:
        from opentrm.accounts.models import PasswordHistory

        if user is None or user.pk is None:
            return
        hashes = [user.password] if user.password else []
        hashes += PasswordHistory.objects.filter(user_id=user.pk).values_list(
            "password", flat=True
        )[: self.remembered]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("You used this password recently; choose a new one."), code="password_reused"
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        from opentrm.accounts.models import PasswordHistory
        from opentrm.accounts.services import api_tokens_revoke_all

        if user is None or user.pk is None:
            return
        previous = getattr(user, "_previous_password_hash", "")
        if previous:
            PasswordHistory.objects.create(user_id=user.pk, password=previous)
            user._previous_password_hash = ""
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[
            : max(self.remembered, 1)
        ]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()
        api_tokens_revoke_all(user=user, reason="password_changed")

    def get_help_text(self) -> str:
        return _("Your password can't be one of your recent passwords.")
