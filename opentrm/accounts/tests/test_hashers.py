"""Passwords hashed with the node's argon2 parameters; old hashes still verify and are
rehashed at the next login."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test.utils import override_settings

from opentrm.accounts.hashers import NodeArgon2PasswordHasher

NODE = ["opentrm.accounts.hashers.NodeArgon2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=NODE)
def test_a_new_hash_uses_the_node_parameters() -> None:
    encoded = make_password("a long enough passphrase")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("a long enough passphrase", encoded)
    assert not check_password("another passphrase", encoded)


@override_settings(PASSWORD_HASHERS=NODE)
def test_a_hash_made_with_django_defaults_verifies_and_is_marked_for_rehashing() -> None:
    old = Argon2PasswordHasher().encode("a long enough passphrase", "somesaltvalue1234")
    assert "m=102400,t=2,p=8" in old
    upgraded: list[str] = []
    assert check_password("a long enough passphrase", old, setter=upgraded.append)
    assert upgraded  # Django calls the setter with the raw password: rehashed on login
    assert NodeArgon2PasswordHasher().must_update(old)


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=NODE)
def test_logging_in_rehashes_an_old_hash(client: object) -> None:
    from django.test import Client

    from opentrm.accounts.models import User

    user = User.objects.create(username="old_hash_member")
    user.password = Argon2PasswordHasher().encode("a long enough passphrase", "somesaltvalue1234")
    user.save()
    assert Client().login(username="old_hash_member", password="a long enough passphrase")
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
