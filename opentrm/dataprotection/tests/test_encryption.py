"""Files encrypted at rest with keys outside the database, and the rotation of those keys."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.tests.factories import new_case, upload_pdf
from opentrm.dataprotection.datakeys import key_in_use
from opentrm.dataprotection.sealing import SealError

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n fictional medical letter"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.OPENTRM_DATA_KEYS_FILE = tmp_path / "keys" / "data-keys.json"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


def stored(media: Path) -> Path:
    (path,) = [p for p in media.rglob("*") if p.is_file()]
    return path


def ring(settings: Any) -> dict[str, Any]:
    return json.loads(Path(settings.OPENTRM_DATA_KEYS_FILE).read_text())  # type: ignore[no-any-return]


def test_a_document_is_encrypted_on_disk_and_downloads_in_the_clear(
    world: World, media: Path, login: Any, settings: Any
) -> None:
    case = new_case(world)
    document = upload_pdf(world.actor(Role.CASEWORKER), case, "Letter", "correspondence", PDF)
    assert b"fictional medical letter" not in stored(media).read_bytes()
    assert oct(Path(settings.OPENTRM_DATA_KEYS_FILE).stat().st_mode & 0o777) == "0o600"
    response = login(world.user(Role.CASEWORKER)).get(
        reverse("cases:document_download", args=[case.public_id, document.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_rotation_rewraps_every_file_and_retires_the_old_key(
    world: World, media: Path, settings: Any
) -> None:
    case = new_case(world)
    document = upload_pdf(world.actor(Role.CASEWORKER), case, "Letter", "correspondence", PDF)
    first = ring(settings)["active"]
    assert key_in_use(stored(media).read_bytes()) == first
    call_command("rotate_data_keys")
    second = ring(settings)["active"]
    assert second != first
    assert key_in_use(stored(media).read_bytes()) == second
    call_command("rotate_data_keys", retire=True)
    assert list(ring(settings)["keys"]) == [second]
    document.refresh_from_db()
    assert document.file.open("rb").read() == PDF


def test_a_file_stored_in_the_clear_before_is_read_and_then_encrypted(
    media: Path, db: None
) -> None:
    media.mkdir(parents=True)
    (media / "old.pdf").write_bytes(PDF)
    assert default_storage.open("old.pdf").read() == PDF
    call_command("rotate_data_keys")
    assert PDF not in (media / "old.pdf").read_bytes()
    assert default_storage.open("old.pdf").read() == PDF


def test_an_altered_file_or_a_lost_key_ring_is_refused(media: Path, settings: Any) -> None:
    name = default_storage.save("x/letter", io.BytesIO(PDF))
    path = media / name
    data = bytearray(path.read_bytes())
    data[-20] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(SealError):
        default_storage.open(name)
    Path(settings.OPENTRM_DATA_KEYS_FILE).unlink()
    with pytest.raises(SealError, match="does not exist"):
        default_storage.open(name)


def test_processes_storing_their_first_file_at_once_share_one_key_ring(settings: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from opentrm.dataprotection.datakeys import load_ring

    with ThreadPoolExecutor(max_workers=8) as pool:
        rings = list(pool.map(lambda _n: load_ring().active, range(16)))
    assert set(rings) == {ring(settings)["active"]}
    assert [p.name for p in Path(settings.OPENTRM_DATA_KEYS_FILE).parent.iterdir()] == [
        "data-keys.json"
    ]
