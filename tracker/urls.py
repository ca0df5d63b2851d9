from django.urls import path

from tracker.cycles import views as cycles
from tracker.narrative import views as narrative
from tracker.reports import views as reports
from tracker.review import views as review
from tracker.updates import views as reporting

app_name = "tracker"

urlpatterns = [
    path("home/", reporting.home, name="home"),
    # Reporting (focal points and body representatives)
    path("my-activities/", reporting.MyActivitiesView.as_view(), name="my_activities"),
    path("updates/", reporting.UpdateListView.as_view(), name="update_list"),
    path(
        "cycles/<slug:slug>/activities/<str:code>/report/",
        reporting.UpdateCreateView.as_view(),
        name="update_create",
    ),
    path("updates/<int:pk>/", reporting.UpdateDetailView.as_view(), name="update_detail"),
    path("updates/<int:pk>/edit/", reporting.UpdateEditView.as_view(), name="update_edit"),
    path("updates/<int:pk>/submit/", reporting.UpdateSubmitView.as_view(), name="update_submit"),
    path("updates/<int:pk>/discard/", reporting.UpdateDiscardView.as_view(), name="update_discard"),
    path("updates/<int:pk>/correct/", reporting.UpdateCorrectView.as_view(), name="update_correct"),
    path("evidence/<int:pk>/", reporting.EvidenceDownloadView.as_view(), name="evidence_download"),
    # Review (secretariat)
    path("review/", review.ReviewQueueView.as_view(), name="review_queue"),
    path("updates/<int:pk>/review/", review.UpdateReviewView.as_view(), name="update_review"),
    # Cycles
    path("cycles/", cycles.CycleListView.as_view(), name="cycle_list"),
    path("cycles/new/", cycles.CycleCreateView.as_view(), name="cycle_create"),
    path("cycles/<slug:slug>/", cycles.CycleDetailView.as_view(), name="cycle_detail"),
    path("cycles/<slug:slug>/edit/", cycles.CycleUpdateView.as_view(), name="cycle_edit"),
    path("cycles/<slug:slug>/open/", cycles.CycleOpenView.as_view(), name="cycle_open"),
    path("cycles/<slug:slug>/close/", cycles.CycleCloseView.as_view(), name="cycle_close"),
    path("cycles/<slug:slug>/reopen/", cycles.CycleReopenView.as_view(), name="cycle_reopen"),
    path("reopenings/<int:pk>/end/", cycles.ReopeningEndView.as_view(), name="reopening_end"),
    path(
        "cycles/<slug:slug>/activities/<str:code>/parties/",
        cycles.CycleActivityPartiesView.as_view(),
        name="cycle_activity_parties",
    ),
    path("cycles/<slug:slug>/reminders/", cycles.CycleRemindersView.as_view(), name="cycle_reminders"),
    path("cycles/<slug:slug>/narrative/", narrative.CycleNarrativeView.as_view(), name="cycle_narrative"),
    # The cycle progress report and its archive
    path("reports/", reports.ReportListView.as_view(), name="report_list"),
    path("reports/new/", reports.ReportCreateView.as_view(), name="report_create"),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/progress/", reports.ReportProgressView.as_view(), name="report_progress"),
    path("reports/<int:pk>/download/", reports.ReportDownloadView.as_view(), name="report_download"),
    path("reports/<int:pk>/issue/", reports.ReportIssueView.as_view(), name="report_issue"),
    path("reports/<int:pk>/delete/", reports.ReportDeleteView.as_view(), name="report_delete"),
]
