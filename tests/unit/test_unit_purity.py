"""tests/unit/conftest.py keeps unit tests pure: moto cannot be imported, no socket connects."""

from __future__ import annotations

import importlib
import socket

import boto3
import pytest


def test_moto_cannot_be_imported_by_a_unit_test() -> None:
    with pytest.raises(RuntimeError, match="tests/unit may not import moto"):
        importlib.import_module("moto")


def test_no_socket_connects_even_to_localhost() -> None:
    with pytest.raises(RuntimeError, match="may not open a network connection"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    with socket.socket() as sock, pytest.raises(RuntimeError, match="may not open a network connection"):
        sock.connect(("127.0.0.1", 9))


def test_a_boto3_call_without_moto_fails_instead_of_reaching_aws() -> None:
    client = boto3.client("sqs", region_name="ap-southeast-1")
    with pytest.raises(Exception, match="may not open a network connection"):
        client.list_queues()
