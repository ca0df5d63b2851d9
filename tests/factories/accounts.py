"""Factories for accounts: a user of each role (every password is "pass-2026-word")."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from tests.factories.roadmap import BodyFactory, MemberStateFactory

PASSWORD = "pass-2026-word"  # every factory-made account's


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    role = Role.OBSERVER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class SecretariatFactory(UserFactory):
    role = Role.SECRETARIAT


class FocalPointFactory(UserFactory):
    role = Role.FOCAL_POINT
    member_state = factory.SubFactory(MemberStateFactory)


class BodyRepresentativeFactory(UserFactory):
    role = Role.BODY_REPRESENTATIVE
    body = factory.SubFactory(BodyFactory)


class ObserverFactory(UserFactory):
    role = Role.OBSERVER
