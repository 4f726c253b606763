"""Fixtures of the app tests."""

import pytest

from tests.app import helpers


@pytest.fixture
def make_client():
    """`make_client(app)`: a started test client, closed after the test."""
    clients = []

    def make(app):
        client = helpers.client_for(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
