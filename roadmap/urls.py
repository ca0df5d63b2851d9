from django.urls import path

from roadmap import views

app_name = "roadmap"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("recommendations/", views.RecommendationListView.as_view(), name="recommendation_list"),
    path(
        "recommendations/<int:number>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation_detail",
    ),
    path(
        "recommendations/<int:number>/indicators/new/",
        views.RecommendationIndicatorCreateView.as_view(),
        name="recommendation_indicator_create",
    ),
    path(
        "recommendations/<int:number>/indicators/<int:pk>/edit/",
        views.RecommendationIndicatorUpdateView.as_view(),
        name="recommendation_indicator_update",
    ),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<str:code>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<str:code>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path(
        "activities/<str:code>/milestones/new/",
        views.MilestoneCreateView.as_view(),
        name="milestone_create",
    ),
    path(
        "activities/<str:code>/milestones/<int:pk>/edit/",
        views.MilestoneUpdateView.as_view(),
        name="milestone_update",
    ),
    path(
        "activities/<str:code>/indicators/new/",
        views.IndicatorCreateView.as_view(),
        name="indicator_create",
    ),
    path(
        "activities/<str:code>/indicators/<int:pk>/edit/",
        views.IndicatorUpdateView.as_view(),
        name="indicator_update",
    ),
    path("milestones/", views.MilestoneListView.as_view(), name="milestone_list"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("member-states/", views.MemberStateListView.as_view(), name="member_state_list"),
    path(
        "member-states/<str:iso2>/",
        views.MemberStateDetailView.as_view(),
        name="member_state_detail",
    ),
    path("bodies/", views.BodyListView.as_view(), name="body_list"),
    path("bodies/<str:acronym>/", views.BodyDetailView.as_view(), name="body_detail"),
]
