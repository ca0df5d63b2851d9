"""The secretariat's review queue: approve or return, one at a time or in bulk with a note per item."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from rules.contrib.views import PermissionRequiredMixin

from core import errors
from core.views import FilteredTableView
from tracker import selectors
from tracker.models import ProgressUpdate
from tracker.review import services as review_services
from tracker.review.filters import ReviewFilter
from tracker.review.forms import ReviewForm
from tracker.review.tables import ReviewTable

REVIEW_PERM = "tracker.review_progressupdate"


def _label(update):
    return f"{update.activity.code} · {update.party_label}"


def review(update, action, *, comment, version, user, public_note=False):
    """Approve or return one update through its service.

    A refusal is one of SERVICE_ERRORS carrying the reviewer's sentence (a conflict names who got
    there first); a review the rules forbid becomes one too, so a bulk review names it at its row.
    """
    try:
        if action == ReviewForm.APPROVE:
            return review_services.progress_update_approve(
                update=update, acting_user=user, expected_version=version, comment=comment
            )
        return review_services.progress_update_return(
            update=update,
            comment=comment,
            acting_user=user,
            expected_version=version,
            public_note=public_note,
        )
    except PermissionDenied:
        raise errors.ApplicationError(
            _("You may not review this update (nobody reviews their own).")
        ) from None


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class BulkInput:
    """A bulk review as posted: the ticked updates, each row's note and the version it was read at."""

    action: str
    selected: list[int]
    notes: dict[int, str] = field(default_factory=dict)
    versions: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def from_post(cls, data):
        selected = []
        for value in data.getlist("update"):
            pk = _int_or_none(value)
            if pk is not None and pk not in selected:
                selected.append(pk)
        notes, versions = {}, {}
        for key, value in data.items():
            if key.startswith("note-") and (pk := _int_or_none(key[5:])) is not None:
                notes[pk] = value
            elif key.startswith("version-") and (pk := _int_or_none(key[8:])) is not None:
                versions[pk] = _int_or_none(value)
        return cls(action=data.get("action", ""), selected=selected, notes=notes, versions=versions)


class ReviewQueueView(FilteredTableView):
    permission_required = REVIEW_PERM
    template_name = "tracker/review_queue.html"
    model = ProgressUpdate
    table_class = ReviewTable
    filterset_class = ReviewFilter

    # Set when a bulk action is shown again with what the reviewer typed.
    posted: BulkInput | None = None
    row_errors: dict = {}

    def get_queryset(self):
        return selectors.review_queue().prefetch_related("evidence_links")

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.posted is not None:
            kwargs.update(notes=self.posted.notes, row_errors=self.row_errors, selected=set(self.row_errors))
        return kwargs

    def post(self, request, *args, **kwargs):
        posted = BulkInput.from_post(request.POST)
        if posted.action not in (ReviewForm.APPROVE, ReviewForm.RETURN):
            messages.error(request, _("Choose whether to approve or return the ticked updates."))
            return self.show_again(posted, {})
        if not posted.selected:
            messages.error(request, _("Tick the updates to approve or return; nothing was done."))
            return self.show_again(posted, {})

        updates = ProgressUpdate.objects.select_related("activity", "member_state", "body").in_bulk(
            posted.selected
        )
        done, refused, invalid = [], {}, False
        for pk in posted.selected:
            update = updates.get(pk)
            if update is None:
                refused[pk] = (_("Update #%(pk)s") % {"pk": pk}, _("It no longer exists."))
                continue
            # Each update in its own transaction: one refusal leaves the others done.
            try:
                review(
                    update,
                    posted.action,
                    comment=posted.notes.get(pk, "").strip(),
                    version=posted.versions.get(pk),
                    user=request.user,
                )
            except errors.SERVICE_ERRORS as error:
                refused[pk] = (_label(update), errors.error_text(error))
                # Invalid input (a return without a note) is the reviewer's to fix: their typing is kept.
                invalid = invalid or isinstance(error, ValidationError)
            else:
                done.append(pk)

        self.report(posted.action, done, refused)
        if invalid:
            return self.show_again(posted, {pk: reason for pk, (_name, reason) in refused.items()})
        return HttpResponseRedirect(request.get_full_path())

    def report(self, action, done, refused):
        approving = action == ReviewForm.APPROVE
        if approving:
            done_text = ngettext("%(count)s approved", "%(count)s approved", len(done))
        else:
            done_text = ngettext("%(count)s returned", "%(count)s returned", len(done))
        done_text = done_text % {"count": len(done)}
        if not refused:
            messages.success(self.request, _("Done: %(done)s.") % {"done": done_text})
            return
        details = "; ".join(f"{name} — {reason}" for name, reason in refused.values())
        if done:
            text = _("%(done)s; %(count)s could not be: %(details)s") % {
                "done": done_text,
                "count": len(refused),
                "details": details,
            }
        elif approving:
            text = _("Nothing was approved: %(details)s") % {"details": details}
        else:
            text = _("Nothing was returned: %(details)s") % {"details": details}
        messages.error(self.request, text)

    def show_again(self, posted, row_errors):
        self.posted, self.row_errors = posted, row_errors
        return self.get(self.request)


class UpdateReviewView(PermissionRequiredMixin, View):
    """Approve or return one update from its page; then on to the next one waiting."""

    permission_required = REVIEW_PERM
    http_method_names = ["post"]

    def post(self, request, pk):
        update = get_object_or_404(
            ProgressUpdate.objects.select_related("activity", "member_state", "body"), pk=pk
        )
        if not request.user.has_perm(REVIEW_PERM, update):
            raise PermissionDenied
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose whether to approve or return the update."))
            return redirect(update)
        action, comment = form.cleaned_data["action"], form.cleaned_data["comment"].strip()
        try:
            review(
                update,
                action,
                comment=comment,
                version=form.cleaned_data["version"],
                user=request.user,
                public_note=form.cleaned_data["public_note"],
            )
        except errors.SERVICE_ERRORS as error:
            text = errors.error_text(error)
            if comment and not isinstance(error, ValidationError):
                # The comment cannot go anywhere now; hand it back rather than lose it.
                text = _("%(reason)s Your comment was not sent: “%(comment)s”") % {
                    "reason": text,
                    "comment": comment,
                }
            messages.error(request, text)
            return redirect(update)
        if action == ReviewForm.APPROVE:
            messages.success(request, _("Approved: %(update)s.") % {"update": _label(update)})
        else:
            messages.success(
                request,
                _("Returned to %(party)s: %(update)s.")
                % {"party": update.party_label, "update": _label(update)},
            )
        following = (
            selectors.review_queue()
            .prefetch_related(None)
            .exclude(author=request.user)
            .values_list("pk", flat=True)
            .first()
        )
        if following is not None:
            return redirect("tracker:update_detail", pk=following)
        return redirect(reverse("tracker:review_queue"))
