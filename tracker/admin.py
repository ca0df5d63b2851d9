"""The record in the back office: for looking, not changing.

Updates move only through the services (who, when, why, and the activity follows on approval);
an edit here would bypass all of that, so these pages are read-only. Cycles are managed in the app.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker import models


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyInline):
    model = models.UpdateTransition
    fields = ["from_state", "to_state", "actor", "at", "comment"]


class EvidenceFileInline(ReadOnlyInline):
    model = models.EvidenceFile
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]


@admin.register(models.ReportingCycle)
class ReportingCycleAdmin(ReadOnlyAdmin):
    list_display = ["slug", "name", "period_start", "period_end", "deadline", "state"]
    list_filter = ["state"]


@admin.register(models.DueUpdate)
class ExpectedReportAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "activity", "member_state", "body", "status"]
    list_filter = ["cycle", "status"]
    list_select_related = ["cycle", "activity", "member_state", "body"]
    search_fields = ["activity__code"]


@admin.register(models.CycleReopening)
class CycleReopeningAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "member_state", "body", "reopened_by", "reopened_at", "ended_at"]
    list_select_related = ["cycle", "member_state", "body", "reopened_by"]


@admin.register(models.ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["pk", "activity", "cycle", "member_state", "body", "state", "author", "updated_at"]
    list_filter = ["state", "cycle"]
    list_select_related = ["activity", "cycle", "member_state", "body", "author"]
    search_fields = ["activity__code", "narrative"]
    inlines = [TransitionInline, EvidenceFileInline]


@admin.register(models.ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "cycle", "kind", "sent_on", "item_count"]
    list_filter = ["kind", "sent_on"]
    list_select_related = ["recipient", "cycle"]
