from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from roadmap import models


class VersionedAdmin(SimpleHistoryAdmin):
    """Back-office edits bump the version too, so a form opened in the app before them is refused."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


class MilestoneInline(admin.TabularInline):
    model = models.Milestone
    extra = 0
    fields = ["title", "planned_date", "baseline_date", "actual_date"]


class IndicatorInline(admin.TabularInline):
    model = models.Indicator
    fk_name = "activity"
    extra = 0
    fields = [
        "name",
        "unit",
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
    list_display = ["name", "member_state", "year", "lead_agency"]
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


@admin.register(models.Milestone)
class MilestoneAdmin(VersionedAdmin):
    list_display = ["title", "activity", "planned_date", "baseline_date", "actual_date"]
    list_select_related = ["activity"]
    search_fields = ["title", "activity__code"]
    date_hierarchy = "planned_date"


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
