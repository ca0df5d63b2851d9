"""Reporting cycles: list, create, open, close, reopen for a party, the completeness matrix, reminders."""

from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.edit import CreateView, UpdateView
from django_tables2 import SingleTableMixin
from rules.contrib.views import PermissionRequiredMixin

from core import errors
from core.views import BoundedLazyPaginator, ObjectPermissionMixin, ServiceFormMixin, show_error
from roadmap.models import Activity, Recommendation
from tracker import selectors
from tracker.badges import due_status_badge, report_state_badge
from tracker.cycles import services as cycle_services
from tracker.cycles.forms import CycleForm, MatrixFilterForm, PartyForm, ReopenForm
from tracker.cycles.tables import CycleTable
from tracker.models import (
    CycleReopening,
    DueStatus,
    DueUpdate,
    ProgressUpdate,
    ReminderLog,
    Report,
    ReportingCycle,
)
from tracker.rules import due_status_shown_to, sees_every_party_unpublished_work

MANAGE = "tracker.manage_reportingcycle"
CYCLE_REPORTS_SHOWN = 10


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CycleObjectMixin(ObjectPermissionMixin):
    """Views of one cycle, reached by its code; the permission is asked about that cycle."""

    def find_object(self, queryset=None):
        return get_object_or_404(
            ReportingCycle.objects.select_related("opened_by", "closed_by"), slug=self.kwargs["slug"]
        )

    @property
    def cycle(self):
        return self.get_object()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cycle"] = self.cycle
        return context


class CycleListView(PermissionRequiredMixin, SingleTableMixin, ListView):
    permission_required = "tracker.view_reportingcycle"
    template_name = "tracker/cycle_list.html"
    table_class = CycleTable
    paginator_class = BoundedLazyPaginator
    table_pagination = {"per_page": 25}

    def get_queryset(self):
        # Completeness for every cycle on the page from the one query that lists them. The list
        # shows only what is handed in and approved, which the matrix rule never hides
        # (`tracker.rules.due_status_shown_to` shows drafts and returns as missing), so the counts
        # are the same for every viewer.
        return ReportingCycle.objects.annotate(
            expected_total=Count("due_updates"),
            expected_in=Count("due_updates", filter=Q(due_updates__status__in=selectors.HANDED_IN)),
            expected_approved=Count("due_updates", filter=Q(due_updates__status=DueStatus.APPROVED)),
        )


class CycleCreateView(PermissionRequiredMixin, ServiceFormMixin, CreateView):
    permission_required = MANAGE
    form_class = CycleForm
    template_name = "tracker/cycle_form.html"

    def save_through_service(self, form):
        self.object = cycle_services.cycle_create(cycle=form.instance, acting_user=self.request.user)

    def success_text(self):
        return _("Cycle %(slug)s created. Open it when reports are due.") % {"slug": self.object.slug}


class CycleUpdateView(CycleObjectMixin, ServiceFormMixin, UpdateView):
    permission_required = MANAGE
    form_class = CycleForm
    template_name = "tracker/cycle_form.html"

    def save_through_service(self, form):
        cycle_services.cycle_update(
            cycle=form.instance,
            expected_version=form.expected_version,
            acting_user=self.request.user,
            reason=form.cleaned_data.get("change_reason", ""),
        )

    def success_text(self):
        return _("Cycle %(slug)s saved.") % {"slug": self.object.slug}

    def get_context_data(self, **kwargs):
        # The cycle's code as stored: the form may hold a new, not yet saved one.
        return {**super().get_context_data(**kwargs), "stored_slug": self.kwargs["slug"]}


class CycleActionView(CycleObjectMixin, View):
    """A button on the cycle page that moves the cycle on; refusals come back as messages."""

    permission_required = MANAGE
    http_method_names = ["post"]

    def act(self, cycle, version):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        cycle = self.cycle
        try:
            text = self.act(cycle, _int_or_none(request.POST.get("version")))
        except errors.SERVICE_ERRORS as error:
            show_error(error, request=request)
        else:
            messages.success(request, text)
        return redirect(cycle)


class CycleOpenView(CycleActionView):
    def act(self, cycle, version):
        count = cycle_services.cycle_open(
            cycle=cycle, acting_user=self.request.user, expected_version=version
        )
        return ngettext(
            "Cycle %(slug)s is open: %(count)s report is due.",
            "Cycle %(slug)s is open: %(count)s reports are due.",
            count,
        ) % {"slug": cycle.slug, "count": count}


class CycleCloseView(CycleActionView):
    def act(self, cycle, version):
        cycle_services.cycle_close(
            cycle=cycle,
            acting_user=self.request.user,
            expected_version=version,
            reason=self.request.POST.get("reason", "").strip(),
        )
        return _("Cycle %(slug)s is closed: no more drafts or submissions.") % {"slug": cycle.slug}


class CycleReopenView(CycleObjectMixin, FormView):
    permission_required = MANAGE
    form_class = ReopenForm
    template_name = "tracker/cycle_reopen.html"

    def form_valid(self, form):
        try:
            reopening = cycle_services.cycle_reopen_for_party(
                cycle=self.cycle,
                reason=form.cleaned_data["reason"],
                acting_user=self.request.user,
                **form.party,
            )
        except errors.SERVICE_ERRORS as error:
            show_error(error, form=form)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Cycle %(slug)s is reopened for %(party)s.")
            % {"slug": self.cycle.slug, "party": reopening.party_label},
        )
        return redirect(self.cycle)

    def form_invalid(self, form):
        messages.error(self.request, _("Please correct the errors below; nothing was saved."))
        return super().form_invalid(form)


class ReopeningEndView(ObjectPermissionMixin, View):
    permission_required = MANAGE
    http_method_names = ["post"]

    def find_object(self, queryset=None):
        return get_object_or_404(CycleReopening.objects.select_related("cycle"), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.get_object().cycle

    def post(self, request, *args, **kwargs):
        reopening = self.get_object()
        cycle_services.cycle_reopening_end(reopening=reopening, acting_user=request.user)
        messages.success(
            request,
            _("Cycle %(slug)s is closed again for %(party)s.")
            % {"slug": reopening.cycle.slug, "party": reopening.party_label},
        )
        return redirect(reopening.cycle)


class CycleActivityPartiesView(CycleObjectMixin, TemplateView):
    """Who owes a report on one activity in this cycle; the secretariat adds and removes parties."""

    permission_required = MANAGE
    template_name = "tracker/cycle_activity_parties.html"

    @cached_property
    def activity(self):
        return get_object_or_404(Activity.objects.select_related("recommendation"), code=self.kwargs["code"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["activity"] = self.activity
        context["expected"] = (
            DueUpdate.objects.filter(cycle=self.cycle, activity=self.activity)
            .select_related("member_state", "body", "update", "added_by")
            .in_party_order()
        )
        context.setdefault("form", PartyForm())
        context["missing"] = DueStatus.MISSING
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "remove":
            return self.remove(request)
        form = PartyForm(request.POST)
        if form.is_valid():
            try:
                expected = cycle_services.due_update_add(
                    cycle=self.cycle, activity=self.activity, acting_user=request.user, **form.party
                )
            except errors.SERVICE_ERRORS as error:
                show_error(error, form=form)
            else:
                messages.success(
                    request,
                    _("%(party)s now owes a report on %(code)s in %(slug)s.")
                    % {"party": expected.party_label, "code": self.activity.code, "slug": self.cycle.slug},
                )
                return redirect(request.path)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render_to_response(self.get_context_data(form=form))

    def remove(self, request):
        expected = get_object_or_404(
            DueUpdate.objects.select_related("member_state", "body", "cycle"),
            pk=_int_or_none(request.POST.get("expected")),
            cycle=self.cycle,
            activity=self.activity,
        )
        try:
            cycle_services.due_update_remove(
                expected=expected, acting_user=request.user, reason=request.POST.get("reason", "")
            )
        except errors.SERVICE_ERRORS as error:
            show_error(error, request=request)
        else:
            messages.success(
                request,
                _("%(party)s no longer owes a report on %(code)s in %(slug)s.")
                % {"party": expected.party_label, "code": self.activity.code, "slug": self.cycle.slug},
            )
        return redirect(request.path)


@dataclass
class MatrixCell:
    report: DueUpdate
    url: str = ""
    status: str = ""

    @property
    def badge(self):
        return due_status_badge(self.status)


class CycleDetailView(CycleObjectMixin, DetailView):
    permission_required = "tracker.view_reportingcycle"
    template_name = "tracker/cycle_detail.html"
    context_object_name = "cycle"
    matrix_per_page = 60

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cycle, user = self.object, self.request.user
        days_left = cycle.days_to_deadline()
        context.update(
            can_manage=user.has_perm(MANAGE, cycle),
            can_remind=cycle.is_open and user.has_perm("tracker.send_reminders", cycle),
            can_see_matrix=user.has_perm("tracker.view_cycle_matrix", cycle),
            can_write_narrative=user.has_perm("tracker.change_cycle_narrative", cycle),
            days_left=days_left,
            days_overdue=-days_left,
            reopenings=cycle.reopenings.select_related("member_state", "body", "reopened_by", "ended_by"),
            legend=[(s, due_status_badge(s)) for s in DueStatus],
        )
        context.update(self.reports_context(cycle, user))
        if context["can_see_matrix"]:
            context.update(self.matrix_context(cycle, user))
        else:
            context.update(self.totals_context(selectors.cycle_completeness(cycle, user).counts, user))
        return context

    @staticmethod
    def reports_context(cycle, user):
        """The cycle's latest progress reports the user may open, and whether they may generate one."""
        if not user.has_perm("tracker.view_report_list"):
            return {"can_see_reports": False}
        latest = Report.objects.visible_to(user).for_list().filter(cycle=cycle)[: CYCLE_REPORTS_SHOWN + 1]
        latest = [(report, report_state_badge(report)) for report in latest]
        return {
            "can_see_reports": True,
            "can_generate_report": user.has_perm("tracker.generate_report"),
            "cycle_reports": latest[:CYCLE_REPORTS_SHOWN],
            "more_cycle_reports": len(latest) > CYCLE_REPORTS_SHOWN,
        }

    def totals_context(self, totals, user):
        completeness = selectors.Completeness(totals)
        return {
            # Said wherever the counts are shown, so nobody reads a masked count as the real one.
            "masks_other_parties": not sees_every_party_unpublished_work(user),
            "total": completeness.total,
            "totals": [(s, due_status_badge(s), totals[s]) for s in DueStatus],
            "percent_in": completeness.percent_in,
            "percent_approved": completeness.percent_approved,
        }

    def matrix_context(self, cycle, user):
        recommendations = list(Recommendation.objects.order_by("number", "pk"))
        form = MatrixFilterForm(self.request.GET or None, recommendations=recommendations)
        recommendation = status = None
        if form.is_valid():
            number = form.cleaned_data["recommendation"]
            recommendation = next((r for r in recommendations if r.number == number), None)
            status = form.cleaned_data["status"] or None
        matrix = selectors.cycle_matrix(cycle, viewer=user, recommendation=recommendation)

        def shown_status(report):
            return due_status_shown_to(user, report.status, report.party_key)

        # Cycle-wide totals from the per-party counts the matrix already holds (shown as the cells).
        totals = Counter()
        for party in matrix.parties:
            totals.update(party.counts)

        rows = [
            (a, cells)
            for a, cells in matrix.rows
            if status is None or any(shown_status(c) == status for c in cells.values())
        ]
        shown = set()
        for _activity, cells in rows:
            shown.update(cells)
        columns = [p for p in matrix.parties if p.key in shown]
        # Hundreds of activities × dozens of parties is too many cells for one page; the columns
        # stay those of the whole (filtered) matrix so pages line up.
        matrix_page = Paginator(rows, self.matrix_per_page).get_page(self.request.GET.get("page"))
        matrix_rows = [
            (activity, [self.cell(cells.get(p.key), user, shown_status) for p in columns])
            for activity, cells in matrix_page.object_list
        ]
        return {
            **self.totals_context(totals, user),
            "filter_form": form,
            "filtered": recommendation is not None or status is not None,
            "parties": [
                (
                    p,
                    [(s, p.counts[s]) for s in DueStatus],
                )
                for p in matrix.parties
            ],
            "columns": columns,
            "matrix_rows": matrix_rows,
            "matrix_page": matrix_page,
        }

    @staticmethod
    def cell(report, user, shown_status):
        if report is None:
            return None
        cell = MatrixCell(report, status=shown_status(report))
        if report.update_id:
            # The due update mirrors its standing update's state and party, which is all the rule
            # reads: asking it about a stand-in costs no query per cell.
            stand_in = ProgressUpdate(
                pk=report.update_id,
                state=report.status,
                member_state_id=report.member_state_id,
                body_id=report.body_id,
            )
            if user.has_perm("tracker.view_progressupdate", stand_in):
                cell.url = stand_in.get_absolute_url()
        return cell


class CycleRemindersView(CycleObjectMixin, TemplateView):
    """Who would be reminded of what in this cycle, and a button to send it now."""

    permission_required = "tracker.send_reminders"
    template_name = "tracker/cycle_reminders.html"

    def get_context_data(self, **kwargs):
        from tracker.cycles import reminders

        context = super().get_context_data(**kwargs)
        digests = reminders.collect_digests(cycle=self.cycle)
        context["digests"] = [
            {
                "digest": digest,
                "kinds": [ReminderLog.Kind(kind).label for kind in sorted(digest.kinds)],
                "items": [(item, due_status_badge(item.status)) for item in digest.items],
            }
            for digest in digests
        ]
        context["to_send"] = sum(1 for digest in digests if not digest.already_sent_today)
        return context

    def post(self, request, *args, **kwargs):
        from tracker.cycles import reminders

        try:
            sent = reminders.send_digests(cycle=self.cycle)
        except errors.TransitionError as refused:
            messages.error(request, refused.message)
            return redirect(self.cycle)
        if sent:
            messages.success(
                request,
                ngettext("%(count)s reminder sent.", "%(count)s reminders sent.", len(sent))
                % {"count": len(sent)},
            )
        else:
            messages.info(
                request, _("Nobody needed a reminder: everyone is up to date or was reminded today.")
            )
        return redirect("tracker:cycle_reminders", slug=self.cycle.slug)
