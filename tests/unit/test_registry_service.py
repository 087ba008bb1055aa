"""Registry changes from the officer API on in-memory fakes: the sign-in directory and the record
stay in step, and every change that must end a session signs the user out."""

from __future__ import annotations

import pytest

from anninh.registry import Officer
from anninh.registry.directory import UsernameTaken
from anninh.registry.service import RegistryService
from tests.fakes.registry import MemoryRegistryStore, RecordingDirectory


@pytest.fixture
def parts() -> tuple[RegistryService, MemoryRegistryStore, RecordingDirectory]:
    store, directory = MemoryRegistryStore(), RecordingDirectory()
    return RegistryService(store, directory), store, directory


def _officer(**kw: object) -> Officer:
    data: dict[str, object] = {"username": "a.tam", "unit_id": "ward-a", "roles": ["officer"], **kw}
    return Officer.model_validate(data)


def test_creating_an_officer_makes_the_user_its_groups_and_an_enabled_record(parts) -> None:
    service, store, directory = parts
    service.create_officer(_officer(roles=["officer", "editor"]), "Temp-Password-2026")
    assert directory.calls == [
        ("create", "a.tam", "ward-a"),
        ("add", "a.tam", "officer"),
        ("add", "a.tam", "editor"),
    ]
    assert store.officers_enabled() == {"a.tam": True} and store.forgotten == 1


def test_a_taken_username_writes_no_record(parts) -> None:
    service, store, directory = parts
    directory.users.add("a.tam")
    with pytest.raises(UsernameTaken):
        service.create_officer(_officer(), None)
    assert store.officers == {}


def test_a_move_a_role_change_or_a_disable_signs_out_and_a_rename_or_enable_does_not(parts) -> None:
    service, _, directory = parts
    current = _officer()
    service.update_officer(current, current.model_copy(update={"display_name": "Tâm"}), True, True)
    service.update_officer(current, current, False, True)
    assert ("sign_out", "a.tam") not in directory.calls
    for updated, enabled in (
        (current.model_copy(update={"unit_id": "ward-b"}), True),
        (current.model_copy(update={"roles": ["officer", "commander"]}), True),
        (current, False),
    ):
        directory.calls.clear()
        service.update_officer(current, updated, True, enabled)
        assert directory.calls[-1] == ("sign_out", "a.tam")
    assert directory.calls[0] == ("enabled", "a.tam", False)
