"""Factories for the plan: roadmap, recommendations, member states, bodies, activities and their children."""

import datetime

import factory
from factory.django import DjangoModelFactory

from roadmap import models


class RoadmapFactory(DjangoModelFactory):
    class Meta:
        model = models.Roadmap
        django_get_or_create = ("slug",)

    slug = "smart-manufacturing"
    title = "Roadmap and Solutions to Promote Smart Manufacturing in ASEAN"
    title_vi = "Lộ trình, giải pháp thúc đẩy sản xuất thông minh cho các quốc gia Đông Nam Á"
    short_title = "Smart Manufacturing Roadmap"


class RecommendationFactory(DjangoModelFactory):
    class Meta:
        model = models.Recommendation
        django_get_or_create = ("roadmap", "number")

    roadmap = factory.SubFactory(RoadmapFactory)
    number = factory.Sequence(lambda n: n % 5 + 1)
    short_title = factory.LazyAttribute(lambda o: f"Workstream {o.number}")
    short_title_vi = factory.LazyAttribute(lambda o: f"Nhóm {o.number}")
    title = factory.LazyAttribute(lambda o: f"Recommendation {o.number} on smart manufacturing")
    title_vi = factory.LazyAttribute(lambda o: f"Khuyến nghị {o.number} về sản xuất thông minh")


class MemberStateFactory(DjangoModelFactory):
    class Meta:
        model = models.MemberState
        django_get_or_create = ("iso2",)

    iso2 = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    iso3 = factory.LazyAttribute(lambda o: f"{o.iso2}X")
    name = factory.LazyAttribute(lambda o: f"State {o.iso2}")
    joined_on = datetime.date(1967, 8, 8)


class NationalStrategyFactory(DjangoModelFactory):
    class Meta:
        model = models.NationalStrategy

    member_state = factory.SubFactory(MemberStateFactory)
    name = factory.Sequence(lambda n: f"National strategy {n}")
    year = 2020


class BodyFactory(DjangoModelFactory):
    class Meta:
        model = models.Body
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"BODY{n}")
    name = factory.LazyAttribute(lambda o: f"Body {o.acronym}")
    kind = models.Body.Kind.SECTORAL_BODY


class CountryFigureFactory(DjangoModelFactory):
    class Meta:
        model = models.CountryFigure

    member_state = factory.SubFactory(MemberStateFactory)
    metric = models.CountryFigure.Metric.INDUSTRY_GDP
    year = 2019
    value = "36.20"


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = models.Activity
        skip_postgeneration_save = True

    roadmap = factory.SubFactory(RoadmapFactory)
    recommendation = factory.SubFactory(RecommendationFactory, roadmap=factory.SelfAttribute("..roadmap"))
    code = factory.Sequence(lambda n: f"T{n // 900 + 1}.{n % 900 + 1}")
    title = factory.Sequence(lambda n: f"Activity {n}")
    title_vi = factory.Sequence(lambda n: f"Hoạt động {n}")
    planned_start = datetime.date(2024, 1, 1)
    planned_end = datetime.date(2027, 12, 31)
    baseline_start = factory.SelfAttribute("planned_start")
    baseline_end = factory.SelfAttribute("planned_end")
    status = models.ActivityStatus.ONGOING
    flag = models.Flag.GREEN
    percent_complete = 40

    @factory.post_generation
    def lead_member_states(self, create, extracted, **kwargs):
        if create and extracted:
            self.lead_member_states.set(extracted)

    @factory.post_generation
    def participating_member_states(self, create, extracted, **kwargs):
        if create and extracted:
            self.participating_member_states.set(extracted)

    @factory.post_generation
    def lead_bodies(self, create, extracted, **kwargs):
        if create and extracted:
            self.lead_bodies.set(extracted)

    @factory.post_generation
    def supporting_bodies(self, create, extracted, **kwargs):
        if create and extracted:
            self.supporting_bodies.set(extracted)


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = models.Milestone

    activity = factory.SubFactory(ActivityFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    planned_date = datetime.date(2027, 6, 30)
    baseline_date = factory.SelfAttribute("planned_date")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = models.Indicator

    activity = factory.SubFactory(ActivityFactory)
    recommendation = None
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "enterprises"
    baseline_value = "93"
    baseline_year = 2020
    target_value = "500"
    target_year = 2025
