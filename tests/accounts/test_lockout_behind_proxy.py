"""Login throttling behind the proxy counts the real client (django-ipware), not the proxy's address."""

import runpy

import pytest
from django.test import Client

from config.settings.base import axes_client_address

pytestmark = pytest.mark.django_db

PASSWORD = "pass-2026-word"
PROXY = "10.0.0.2"  # what the app sees as REMOTE_ADDR behind the proxy


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.AXES_ENABLED = True
    for name, value in axes_client_address(1).items():
        setattr(settings, name, value)


def attempt(username, password, *, forwarded_for):
    """A log-in through the proxy, which appends the caller's address to X-Forwarded-For."""
    return Client().post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def lock_out(username, *, forwarded_for, limit):
    for n in range(limit):
        attempt(username, f"wrong-{n}", forwarded_for=forwarded_for)
    assert attempt(username, PASSWORD, forwarded_for=forwarded_for).status_code == 429


def test_wrong_passwords_from_one_client_do_not_lock_the_account_for_others(secretariat_user, settings):
    lock_out(secretariat_user.username, forwarded_for="198.51.100.7", limit=settings.AXES_FAILURE_LIMIT)
    # The owner, at another address behind the same proxy, logs in.
    assert attempt(secretariat_user.username, PASSWORD, forwarded_for="203.0.113.20").status_code == 302


def test_a_forged_forwarded_address_locks_nobody_else_out(secretariat_user, settings):
    # The attacker claims to be the owner's address; the proxy appends the attacker's own.
    lock_out(
        secretariat_user.username,
        forwarded_for="203.0.113.20, 198.51.100.7",
        limit=settings.AXES_FAILURE_LIMIT,
    )
    assert attempt(secretariat_user.username, PASSWORD, forwarded_for="203.0.113.20").status_code == 302


def test_behind_two_proxies_the_address_the_first_one_saw_counts(secretariat_user, settings):
    for name, value in axes_client_address(2).items():
        setattr(settings, name, value)
    # A load balancer (10.0.0.9) in front of nginx: the header holds the client's and the balancer's.
    lock_out(
        secretariat_user.username,
        forwarded_for="198.51.100.7, 10.0.0.9",
        limit=settings.AXES_FAILURE_LIMIT,
    )
    assert (
        attempt(secretariat_user.username, PASSWORD, forwarded_for="203.0.113.20, 10.0.0.9").status_code
        == 302
    )


def test_production_trusts_one_proxy_unless_told_otherwise(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key-for-this-test-0123456789")
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    production = runpy.run_module("config.settings.production")

    assert production["TRUSTED_PROXY_COUNT"] == 1
    assert production["AXES_IPWARE_META_PRECEDENCE_ORDER"][0] == "HTTP_X_FORWARDED_FOR"
    assert production["AXES_IPWARE_PROXY_COUNT"] == 0
