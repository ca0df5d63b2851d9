"""Factories for the record: reporting cycles (progress updates are written through the services)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory


class ReportingCycleFactory(DjangoModelFactory):
    """A planned cycle around today; open it through `tracker.cycles.services.cycle_open`."""

    class Meta:
        model = "tracker.ReportingCycle"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"{2030 + n // 2}-H{n % 2 + 1}")
    name = factory.LazyAttribute(lambda o: f"Cycle {o.slug}")
    period_start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=150))
    period_end = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
