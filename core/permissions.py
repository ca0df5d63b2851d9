"""The one permission check every service makes before it writes."""

import rules
from django.core.exceptions import PermissionDenied


def require(user, perm, obj=None):
    """Refuse with a 403 unless the rule set lets `user` do `perm` (on `obj`).

    The rule set itself, not `user.has_perm`: Django lets an active superuser pass every has_perm
    (and honours model permissions granted in the back office), but the tracker's rules, such as
    "nobody approves their own update" and "only a party writes for itself", bind everyone.
    """
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied
