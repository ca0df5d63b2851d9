"""The one permission check every service makes before it writes, and the one answer for an
object a user may not read."""

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404


def require(user, perm, obj=None):
    """Refuse with a 403 unless the rule set lets `user` do `perm` (on `obj`).

    The rule set itself, not `user.has_perm`: Django lets an active superuser pass every has_perm
    (and honours model permissions granted in the back office), but the tracker's rules, such as
    "nobody approves their own update" and "only a party writes for itself", bind everyone.
    """
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied


def readable_or_404(user, perm, obj):
    """`obj`, or a 404 when `user` may not read it (`perm` is its view permission).

    One policy for every object: what a user may not read does not exist for them, so no page,
    download or move tells them it is there (a Thai focal point cannot learn that Viet Nam's draft
    or its own report exists). An object they may read but not change answers 403 elsewhere.
    """
    if not rules.has_perm(perm, user, obj):
        raise Http404
    return obj
