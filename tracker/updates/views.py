"""Screens for reporters: My activities, the update form, the update page, evidence downloads."""

import copy
from collections import Counter

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from core import errors
from core.files import private_file_response
from core.permissions import readable_or_404
from core.views import FilteredTableView, show_error
from roadmap.models import Activity
from tracker import selectors
from tracker.models import (
    DueStatus,
    EvidenceFile,
    IndicatorValue,
    MilestoneAchievement,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
)
from tracker.updates import forms as update_forms
from tracker.updates import services as update_services
from tracker.updates.filters import UpdateFilter
from tracker.updates.history import update_history
from tracker.updates.tables import UpdateTable


def home(request):
    """Where logging in lands: reporters on what they owe, everyone else on the dashboard."""
    if request.user.has_perm("tracker.view_my_activities"):
        return redirect("tracker:my_activities")
    return redirect("roadmap:dashboard")


# --- My activities -------------------------------------------------------------------------


class MyActivitiesView(PermissionRequiredMixin, TemplateView):
    """What a focal point or body representative owes, what needs them first at the top."""

    permission_required = "tracker.view_my_activities"
    template_name = "tracker/my_activities.html"
    other_per_page = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        member_state, body = selectors.user_party(user)
        due = list(selectors.my_due_reports(user))
        # by_priority puts returned, missing and drafts first; grouping by cycle keeps that order.
        groups = {}
        for report in due:
            groups.setdefault(report.cycle_id, (report.cycle, []))[1].append(report)
        due_by_cycle = [
            {
                "cycle": cycle,
                "reports": reports,
                "days": cycle.days_to_deadline(),
                "overdue_days": -cycle.days_to_deadline(),
            }
            for cycle, reports in sorted(
                groups.values(), key=lambda group: (group[0].deadline, group[0].slug)
            )
        ]
        counts = Counter(report.status for report in due)
        context["party_label"] = user.party_label
        context["due_by_cycle"] = due_by_cycle
        context["summary"] = [(status, status.label, counts[status]) for status in DueStatus]
        context["due_total"] = len(due)
        accepting = list(
            ReportingCycle.objects.accepting_reports_from(member_state, body).order_by("deadline", "slug")
        )
        context["accepting_cycles"] = accepting
        others = (
            selectors.reportable_activities(user)
            .exclude(pk__in=selectors.my_due_reports(user).order_by().values("activity_id"))
            .in_plan_order()
        )
        context["other_page"] = Paginator(others, self.other_per_page).get_page(self.request.GET.get("page"))
        return context


# --- Loading an update, hiding another party's unpublished work ----------------------------

UPDATE_RELATED = (
    "activity",
    "activity__recommendation",
    "cycle",
    "member_state",
    "body",
    "author",
    "reviewed_by",
    "corrects",
)


def _visible_update_or_404(user, pk, queryset=None):
    """The update, or 404 when the user may not read it: another party's draft does not exist for them."""
    queryset = queryset if queryset is not None else ProgressUpdate.objects.select_related(*UPDATE_RELATED)
    return readable_or_404(user, "tracker.view_progressupdate", get_object_or_404(queryset, pk=pk))


def _form_queryset():
    return ProgressUpdate.objects.select_related(*UPDATE_RELATED).prefetch_related(
        "milestone_achievements",
        Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("member_state")),
        "evidence_links",
        "evidence_files",
    )


# --- The update form -----------------------------------------------------------------------


class UpdateFormMixin(LoginRequiredMixin):
    """Create and edit share one page: the service call, conflicts, and errors at the fields."""

    template_name = "tracker/update_form.html"

    def get_update(self):
        raise NotImplementedError

    def build_forms(self, data=None, files=None):
        update = self.update
        member_state = update.member_state if update.member_state_id else None
        rows = update_forms.update_form_rows(update, member_state)
        evidence_files = list(update.evidence_files.all()) if update.pk else []
        form = update_forms.UpdateForm(data, files, instance=update, evidence_files=evidence_files, **rows)
        links = update_forms.link_formset(update, data)
        return form, links

    def render(self, form, links, status=200, **extra):
        update = self.update
        context = {
            "form": form,
            "links": links,
            "update": update,
            "activity": update.activity,
            "cycle": update.cycle,
            "creating": update.pk is None,
            "files_lost": bool(self.request.FILES) and self.request.method == "POST",
            **extra,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        form, links = self.build_forms()
        return self.render(form, links)

    def post(self, request, *args, **kwargs):
        form, links = self.build_forms(request.POST, request.FILES)
        conflict = getattr(self, "conflict", None)
        if conflict is not None:
            # A colleague of the party started this update while this one was being written: the
            # page comes back with everything typed, says whose it is, and offers to merge or open it.
            form.is_valid(), links.is_valid()
            return self.render(form, links, status=409, conflict=conflict)
        submit = request.POST.get("action") == "submit"
        # Both are checked, so every mistake on the page is shown at once.
        form_valid, links_valid = form.is_valid(), links.is_valid()
        if form_valid and links_valid:
            try:
                update = update_services.progress_update_save(
                    update=form.instance,
                    content=form.content(links),
                    acting_user=request.user,
                    expected_version=form.expected_version if self.update.pk else None,
                    submit=submit,
                )
            except errors.TransitionError as error:
                # The update no longer takes this form (submitted meanwhile, cycle closed): its page says why.
                show_error(error, request=request)
                return redirect(self.update.get_absolute_url())
            except errors.SERVICE_ERRORS as error:
                show_error(error, form=form)
            else:
                messages.success(request, _("Submitted for review.") if submit else _("Draft saved."))
                return HttpResponseRedirect(update.get_absolute_url())
            if self.creating:
                # The service's transaction was rolled back, but the instance may have kept its new
                # primary key: the page must stay a create page.
                form.instance.pk = None
                form.instance._state.adding = True
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(form, links)


class UpdateCreateView(UpdateFormMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.creating = True
        cycle = get_object_or_404(ReportingCycle, slug=kwargs["slug"])
        activity = get_object_or_404(Activity.objects.select_related("recommendation"), code=kwargs["code"])
        member_state, body = selectors.user_party(request.user)
        if member_state is not None or body is not None:
            existing = list(
                ProgressUpdate.objects.for_party(member_state=member_state, body=body)
                .filter(activity=activity, cycle=cycle)
                .order_by("-created_at", "-pk")
            )
            in_progress = next((u for u in existing if not u.is_approved), None)
            if request.method == "POST" and existing:
                # Typed before the colleague's update existed: nothing typed is dropped (`post`).
                self.conflict = in_progress or existing[0]
            elif in_progress is not None and in_progress.is_editable:
                return redirect("tracker:update_edit", pk=in_progress.pk)
            elif in_progress is not None:
                messages.info(
                    request, _("Your party's update for this cycle is already submitted for review.")
                )
                return redirect(in_progress.get_absolute_url())
            elif existing:
                messages.info(
                    request,
                    _(
                        "Your party's update for this cycle is approved. To change it, start a correction "
                        "from the approved update."
                    ),
                )
                return redirect(existing[0].get_absolute_url())
        self.update = update_services.new_update(activity=activity, cycle=cycle, author=request.user)
        if not request.user.has_perm("tracker.add_progressupdate", self.update):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class UpdateEditView(UpdateFormMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.creating = False
        self.update = _visible_update_or_404(request.user, kwargs["pk"], _form_queryset())
        if not self.update.is_editable:
            messages.info(
                request,
                _("This update is %(state)s and can no longer be edited.")
                % {"state": self.update.get_state_display().lower()},
            )
            return redirect(self.update.get_absolute_url())
        if not request.user.has_perm("tracker.change_progressupdate", self.update):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "merge":
            return self.merge()
        return super().post(request, *args, **kwargs)

    def merge(self):
        """This draft's form with the text a colleague typed on the create page (posted here) added
        below this draft's own, and their other entries listed beside it; nothing saved yet."""
        draft = self.update
        # Checking a model form writes what it cleaned onto its instance: check a copy.
        self.update = copy.copy(draft)
        typed, typed_links = self.build_forms(self.request.POST)
        typed.is_valid(), typed_links.is_valid()
        self.update = draft
        merged = {}
        for name in update_forms.TEXT_FIELDS:
            mine = (typed.cleaned_data.get(name) or "").strip()
            stored = getattr(draft, name)
            merged[name] = f"{stored}\n\n{mine}".strip() if mine and mine not in stored else stored
        form, links = self.build_forms()
        form.initial.update(merged)
        messages.info(
            self.request,
            _(
                "Your text is added below the draft's own in each box. "
                "Nothing is saved yet: check, then save."
            ),
        )
        return self.render(form, links, typed_entries=update_forms.typed_entries(typed, typed_links, draft))


# --- The update page -----------------------------------------------------------------------


class UpdateDetailView(LoginRequiredMixin, TemplateView):
    template_name = "tracker/update_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        queryset = ProgressUpdate.objects.select_related(*UPDATE_RELATED).prefetch_related(
            "evidence_links",
            "evidence_files",
            Prefetch(
                "milestone_achievements",
                queryset=MilestoneAchievement.objects.select_related("milestone").order_by("achieved_on"),
            ),
            Prefetch(
                "indicator_values",
                # A value for ASEAN as a whole (no member state) first, on every database.
                queryset=IndicatorValue.objects.select_related("indicator", "member_state").order_by(
                    "indicator_id", F("member_state__name").asc(nulls_first=True)
                ),
            ),
        )
        update = _visible_update_or_404(user, self.kwargs["pk"], queryset)
        editable = update.is_editable
        context.update(
            update=update,
            activity=update.activity,
            trail=selectors.update_trail(update, user=user),
            history=update_history(update, user=user),
            sees_history=user.has_perm("tracker.view_update_history", update),
            # Each question is asked only when the state allows the answer to be yes.
            can_edit=editable and user.has_perm("tracker.change_progressupdate", update),
            can_submit=editable and user.has_perm("tracker.submit_progressupdate", update),
            can_discard=update.state == UpdateState.DRAFT
            and user.has_perm("tracker.delete_progressupdate", update),
            can_correct=update.is_approved and user.has_perm("tracker.correct_progressupdate", update),
            can_review=update.state == UpdateState.SUBMITTED
            and user.has_perm("tracker.review_progressupdate", update),
        )
        return context


# --- Moves from the update page ------------------------------------------------------------


class UpdateActionView(LoginRequiredMixin, View):
    """A POST-only move on one update; the service checks the permission and the state."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        update = _visible_update_or_404(request.user, kwargs["pk"])
        try:
            return self.act(update)
        except errors.SERVICE_ERRORS as error:
            show_error(error, request=request)
            # Bad input (submitting an incomplete draft) is fixed in the form, when the user may edit.
            if (
                isinstance(error, ValidationError)
                and update.is_editable
                and request.user.has_perm("tracker.change_progressupdate", update)
            ):
                return redirect("tracker:update_edit", pk=update.pk)
        return redirect(update.get_absolute_url())

    def expected_version(self):
        try:
            return int(self.request.POST["version"])
        except (KeyError, ValueError):
            return None


class UpdateSubmitView(UpdateActionView):
    def act(self, update):
        update_services.progress_update_submit(
            update=update, acting_user=self.request.user, expected_version=self.expected_version()
        )
        messages.success(self.request, _("Submitted for review."))
        return redirect(update.get_absolute_url())


class UpdateDiscardView(UpdateActionView):
    def act(self, update):
        update_services.progress_update_discard(
            update=update, acting_user=self.request.user, expected_version=self.expected_version()
        )
        messages.success(self.request, _("Draft discarded."))
        if self.request.user.has_perm("tracker.view_my_activities"):
            return redirect("tracker:my_activities")
        return redirect(update.activity.get_absolute_url())


class UpdateCorrectView(UpdateActionView):
    def act(self, update):
        draft = update_services.progress_update_correct(update=update, acting_user=self.request.user)
        messages.success(
            self.request,
            _("Correction started from the approved update: change what is wrong, then submit it."),
        )
        return redirect("tracker:update_edit", pk=draft.pk)


# --- Evidence files ------------------------------------------------------------------------


class EvidenceDownloadView(LoginRequiredMixin, View):
    """Files leave only through here, and only to those who may read their update."""

    def get(self, request, *args, **kwargs):
        evidence = get_object_or_404(EvidenceFile.objects.select_related("update"), pk=kwargs["pk"])
        readable_or_404(request.user, "tracker.view_progressupdate", evidence.update)
        return private_file_response(
            evidence.file, filename=evidence.original_name, content_type=evidence.content_type
        )


# --- All updates the user may read ---------------------------------------------------------


class UpdateListView(FilteredTableView):
    permission_required = "tracker.view_progressupdate"
    template_name = "tracker/update_list.html"
    model = ProgressUpdate
    table_class = UpdateTable
    filterset_class = UpdateFilter

    def get_queryset(self):
        return ProgressUpdate.objects.visible_to(self.request.user).for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["update_list_url"] = reverse("tracker:update_list")
        return context
