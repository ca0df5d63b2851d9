from django.urls import path

from roadmap.dashboard import views as dashboard_views
from roadmap.directory import views as directory_views
from roadmap.plan import views as plan_views
from roadmap.timeline import views as timeline_views

app_name = "roadmap"

urlpatterns = [
    path("", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path("recommendations/", plan_views.RecommendationListView.as_view(), name="recommendation_list"),
    path(
        "recommendations/<int:number>/",
        plan_views.RecommendationDetailView.as_view(),
        name="recommendation_detail",
    ),
    path(
        "recommendations/<int:number>/indicators/new/",
        plan_views.RecommendationIndicatorCreateView.as_view(),
        name="recommendation_indicator_create",
    ),
    path(
        "recommendations/<int:number>/indicators/<int:pk>/edit/",
        plan_views.RecommendationIndicatorUpdateView.as_view(),
        name="recommendation_indicator_update",
    ),
    path("activities/", plan_views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", plan_views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<str:code>/", plan_views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<str:code>/edit/", plan_views.ActivityUpdateView.as_view(), name="activity_update"),
    path(
        "activities/<str:code>/milestones/new/",
        plan_views.MilestoneCreateView.as_view(),
        name="milestone_create",
    ),
    path(
        "activities/<str:code>/milestones/<int:pk>/edit/",
        plan_views.MilestoneUpdateView.as_view(),
        name="milestone_update",
    ),
    path(
        "activities/<str:code>/indicators/new/",
        plan_views.IndicatorCreateView.as_view(),
        name="indicator_create",
    ),
    path(
        "activities/<str:code>/indicators/<int:pk>/edit/",
        plan_views.IndicatorUpdateView.as_view(),
        name="indicator_update",
    ),
    path("milestones/", plan_views.MilestoneListView.as_view(), name="milestone_list"),
    path("timeline/", timeline_views.TimelineView.as_view(), name="timeline"),
    path("member-states/", directory_views.MemberStateListView.as_view(), name="member_state_list"),
    path(
        "member-states/<str:iso2>/",
        directory_views.MemberStateDetailView.as_view(),
        name="member_state_detail",
    ),
    path("bodies/", directory_views.BodyListView.as_view(), name="body_list"),
    path("bodies/<str:acronym>/", directory_views.BodyDetailView.as_view(), name="body_detail"),
]
