"""Who a user is, for the rules: the role predicates every app's rules are built from.

Roles come from `accounts.User.role`; who a user acts for from `accounts.parties.party_of`. Each
app keeps its permissions beside it, loaded by `rules`' autodiscovery: the plan's in
`roadmap/rules.py`, the record's (cycles, updates, reports) in `tracker/rules.py`.
"""

import rules

from accounts.models import Role


@rules.predicate
def is_secretariat(user):
    # An inactive account keeps its role but must not act, whichever way it reaches a service.
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == Role.SECRETARIAT)
    )


@rules.predicate
def is_focal_point(user):
    return bool(user and user.is_authenticated and user.role == Role.FOCAL_POINT)


@rules.predicate
def is_body_representative(user):
    return bool(user and user.is_authenticated and user.role == Role.BODY_REPRESENTATIVE)


@rules.predicate
def is_observer(user):
    return bool(user and user.is_authenticated and user.role == Role.OBSERVER)


is_reader = rules.is_authenticated & rules.is_active
is_reporter = rules.is_active & (is_focal_point | is_body_representative)


@rules.predicate
def no_object(user, obj):
    """The question is about a kind of object ("may they see update lists?"), not one object."""
    return obj is None
