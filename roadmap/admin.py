from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from roadmap import models


class ReadOnlyInAdmin:
    """The plan's versioned records (activities, milestones, indicators) are read here, not written.

    The app's pages write them through the services, which compare the version the editor saw, ask
    why a planned date moved and record who did it; a back-office save would do none of that and
    overwrite an edit made in the app meanwhile. The change page says where to edit instead."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionedAdmin(ReadOnlyInAdmin, SimpleHistoryAdmin):
    def app_edit_url(self, obj):
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            messages.info(
                request,
                format_html(
                    _(
                        "Read-only here. Edit it in the tracker, which checks for others' changes "
                        'and asks why dates move: <a href="{}">edit page</a>.'
                    ),
                    self.app_edit_url(obj),
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)


class MilestoneInline(ReadOnlyInAdmin, admin.TabularInline):
    model = models.Milestone
    extra = 0
    fields = ["title", "planned_date", "baseline_date", "actual_date"]


class IndicatorInline(ReadOnlyInAdmin, admin.TabularInline):
    model = models.Indicator
    fk_name = "activity"
    extra = 0
    fields = [
        "name",
        "name_vi",
        "unit",
        "unit_vi",
        "baseline_value",
        "baseline_year",
        "target_value",
        "target_year",
        "aggregation",
        "decimal_places",
        "is_illustrative",
    ]


@admin.register(models.Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["short_title", "adopted_on", "adopted_by"]


@admin.register(models.Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["number", "short_title", "roadmap"]
    list_select_related = ["roadmap"]


@admin.register(models.MemberState)
class MemberStateAdmin(admin.ModelAdmin):
    list_display = ["name", "iso2", "iso3", "joined_on", "focal_agency"]
    search_fields = ["name", "iso2", "iso3"]


@admin.register(models.NationalStrategy)
class NationalStrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "name_vi", "member_state", "year", "lead_agency"]
    list_filter = ["member_state"]
    list_select_related = ["member_state"]


@admin.register(models.Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["acronym", "name"]


@admin.register(models.CountryFigure)
class CountryFigureAdmin(admin.ModelAdmin):
    list_display = ["member_state", "metric", "year", "value", "approximate"]
    list_filter = ["metric", "year", "member_state"]
    list_select_related = ["member_state"]


@admin.register(models.Activity)
class ActivityAdmin(VersionedAdmin):
    list_display = [
        "code",
        "title",
        "recommendation",
        "status",
        "flag",
        "percent_complete",
        "planned_end",
        "is_illustrative",
    ]
    list_filter = ["recommendation", "status", "flag", "is_illustrative"]
    list_select_related = ["recommendation"]
    search_fields = ["code", "title", "title_vi"]
    filter_horizontal = [
        "lead_member_states",
        "lead_bodies",
        "participating_member_states",
        "supporting_bodies",
    ]
    inlines = [MilestoneInline, IndicatorInline]

    def app_edit_url(self, obj):
        return reverse("roadmap:activity_update", args=[obj.code])


@admin.register(models.Milestone)
class MilestoneAdmin(VersionedAdmin):
    list_display = ["title", "activity", "planned_date", "baseline_date", "actual_date"]
    list_select_related = ["activity"]
    search_fields = ["title", "activity__code"]
    date_hierarchy = "planned_date"

    def app_edit_url(self, obj):
        return reverse("roadmap:milestone_update", args=[obj.activity.code, obj.pk])


@admin.register(models.Indicator)
class IndicatorAdmin(VersionedAdmin):
    list_display = [
        "name",
        "activity",
        "recommendation",
        "unit",
        "baseline_value",
        "target_value",
        "aggregation",
        "decimal_places",
        "is_illustrative",
    ]
    list_select_related = ["activity", "recommendation"]

    def app_edit_url(self, obj):
        if obj.activity_id:
            return reverse("roadmap:indicator_update", args=[obj.activity.code, obj.pk])
        return reverse("roadmap:recommendation_indicator_update", args=[obj.recommendation.number, obj.pk])
