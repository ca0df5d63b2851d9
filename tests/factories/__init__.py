"""factory-boy factories for every model, one module per app. Owners and dates are sensible by default.

`from tests import factories; factories.ActivityFactory(...)` keeps working: every factory is
re-exported here.
"""

from tests.factories.accounts import (
    BodyRepresentativeFactory,
    FocalPointFactory,
    ObserverFactory,
    SecretariatFactory,
    UserFactory,
)
from tests.factories.roadmap import (
    ActivityFactory,
    BodyFactory,
    CountryFigureFactory,
    IndicatorFactory,
    MemberStateFactory,
    MilestoneFactory,
    NationalStrategyFactory,
    RecommendationFactory,
    RoadmapFactory,
)
from tests.factories.tracker import (
    ReportingCycleFactory,
)

__all__ = [
    "ActivityFactory",
    "BodyFactory",
    "BodyRepresentativeFactory",
    "CountryFigureFactory",
    "FocalPointFactory",
    "IndicatorFactory",
    "MemberStateFactory",
    "MilestoneFactory",
    "NationalStrategyFactory",
    "ObserverFactory",
    "RecommendationFactory",
    "ReportingCycleFactory",
    "RoadmapFactory",
    "SecretariatFactory",
    "UserFactory",
]
