"""The report archive: generate a cycle progress report, follow its progress, download, issue."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView
from rules.contrib.views import PermissionRequiredMixin

from core.errors import SERVICE_ERRORS
from core.files import private_file_response
from core.permissions import readable_or_404
from core.views import FilteredTableView, ObjectPermissionMixin, show_error
from tracker.badges import report_state_badge
from tracker.models import Report, ReportingCycle, ReportState
from tracker.reports import services
from tracker.reports.filters import ReportFilter
from tracker.reports.forms import GENERATE, ReportForm
from tracker.reports.tables import ReportTable, generated_by_label

VIEW = "tracker.view_report"
FORM_FIELDS = ("cycle", "scope", "recommendation", "member_state", "language", "format")


class MethodFirstMixin:
    """A method a URL never takes is refused before anyone's permission or any object is looked at,
    so the answer is the same for every user and every key."""

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class ReportObjectMixin(MethodFirstMixin, ObjectPermissionMixin):
    """Views of one report: 404 for a key that does not exist and for a report the user may not
    read (as for updates); 403 for a move on a report they may read but not make."""

    permission_required = VIEW

    def has_permission(self):
        # Visitors not signed in are sent to log in before any report is looked at.
        return self.request.user.is_authenticated and super().has_permission()

    def find_object(self, queryset=None):
        report = get_object_or_404(Report.objects.for_list(), pk=self.kwargs["pk"])
        return readable_or_404(self.request.user, VIEW, report)


def generate_again_url(report):
    """The form, filled in with this report's parameters."""
    query = {
        "cycle": report.cycle.slug,
        "scope": report.scope,
        "language": report.language,
        "format": report.format,
    }
    if report.recommendation_id:
        query["recommendation"] = report.recommendation_id
    if report.member_state_id:
        query["member_state"] = report.member_state.iso2
    return f"{reverse('tracker:report_create')}?{urlencode(query)}"


def progress_context(report, user):
    """What the progress partial shows; the same whether it is part of the page or polled alone."""
    return {
        "report": report,
        "state_badge": report_state_badge(report),
        "generated_by": generated_by_label(report),
        "is_ready": report.state == ReportState.READY,
        "is_failed": report.state == ReportState.FAILED,
        "can_issue": user.has_perm("tracker.issue_report", report),
        # Whoever could issue the report were it final (the secretariat: the same users who may
        # delete an unissued one) sees why a provisional report has no Issue button.
        "issue_blocked": (
            services.not_issuable_reason(report)
            if report.state == ReportState.READY
            and not report.is_issued
            and user.has_perm("tracker.delete_report", report)
            else ""
        ),
        # A report still being written belongs to the worker writing it.
        "can_delete": report.is_finished and user.has_perm("tracker.delete_report", report),
        # The rule reads only the scope, which generating again keeps.
        "again_url": generate_again_url(report) if user.has_perm(GENERATE, report) else "",
    }


class ReportListView(FilteredTableView):
    permission_required = "tracker.view_report_list"
    template_name = "tracker/report_list.html"
    model = Report
    table_class = ReportTable
    filterset_class = ReportFilter

    def get_queryset(self):
        return Report.objects.visible_to(self.request.user).for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_generate"] = self.request.user.has_perm(GENERATE)
        return context


class ReportCreateView(PermissionRequiredMixin, FormView):
    # Without an object: may this user generate reports at all. The scope they pick is asked
    # about again, with the unsaved report, once the form is posted.
    permission_required = GENERATE
    form_class = ReportForm
    template_name = "tracker/report_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        current = ReportingCycle.objects.current()
        if current is not None:
            initial["cycle"] = current.slug
        # "Generate again" and the cycle page link here with the parameters in the address.
        for name in FORM_FIELDS:
            value = self.request.GET.get(name)
            if value:
                initial[name] = value
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Only the selects of the scopes this user is offered.
        context["scope_values"] = [value for value, _label in context["form"].fields["scope"].choices]
        return context

    def form_valid(self, form):
        # The service asks the rules again about the scope chosen, and refuses with a 403.
        report = form.report()
        try:
            report = services.report_request(report=report, acting_user=self.request.user)
        except SERVICE_ERRORS as error:
            show_error(error, form=form)
            return self.form_invalid(form)
        if report.state == ReportState.READY:
            messages.success(self.request, _("The report is ready."))
        elif report.state == ReportState.FAILED:
            messages.error(self.request, _("The report could not be generated."))
        else:
            messages.info(
                self.request,
                _(
                    "The report is being generated. You can keep using the site meanwhile: "
                    "it stays here, in the report archive."
                ),
            )
        return redirect(report)

    def form_invalid(self, form):
        messages.error(self.request, _("Please correct the errors below; nothing was generated."))
        return super().form_invalid(form)


class ReportDetailView(ReportObjectMixin, DetailView):
    template_name = "tracker/report_detail.html"
    context_object_name = "report"

    def find_object(self, queryset=None):
        report = super().find_object(queryset)
        if services.report_is_stale(report):
            # Cut off by a restart: show it failed, not running forever (polls stop too).
            services.mark_stale_reports()
            report = super().find_object(queryset)
        return report

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(progress_context(self.object, self.request.user))
        return context


class ReportProgressView(ReportDetailView):
    """The progress partial alone: polled by the report's page while it is generated."""

    template_name = "tracker/_report_progress.html"


class ReportDownloadView(ReportObjectMixin, View):
    """Report files leave only through here, and only to those who may read the report."""

    def get(self, request, *args, **kwargs):
        report = self.get_object()
        if report.state != ReportState.READY or not report.file:
            raise Http404
        # An attachment even for HTML: a report never runs as a page of this site.
        return private_file_response(report.file, filename=report.file_name, content_type=report.content_type)


class ReportActionView(ReportObjectMixin, View):
    """A button on the report's page; a move its state does not allow comes back as a message."""

    http_method_names = ["post"]

    def act(self, report):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        try:
            return self.act(report)
        except SERVICE_ERRORS as error:
            show_error(error, request=request)
            return redirect(report)


class ReportIssueView(ReportActionView):
    def act(self, report):
        report = services.report_issue(report=report, acting_user=self.request.user)
        messages.success(
            self.request,
            _(
                "The report is issued: it is frozen and will not change, "
                "and every reader it concerns can open it."
            ),
        )
        return redirect(report)


class ReportDeleteView(ReportActionView):
    def act(self, report):
        label = str(report)
        services.report_delete(report=report, acting_user=self.request.user)
        messages.success(self.request, _("%(report)s was deleted.") % {"report": label})
        return redirect("tracker:report_list")
