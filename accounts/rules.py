"""Who may do what: the one place permission rules live. Views, exports and APIs ask these.

Roles come from `accounts.User.role`. In the plan issue every logged-in user reads the plan and
only the secretariat changes it; the tracker's rules (own party, own updates) join them here.
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

# The plan: everybody signed in reads it; the secretariat keeps it.
PLAN_MODELS = [
    "roadmap",
    "recommendation",
    "memberstate",
    "nationalstrategy",
    "body",
    "countryfigure",
    "activity",
    "milestone",
    "indicator",
]
# A deactivated account keeps its role and flags but loses every permission
# (is_secretariat checks the account is active itself).
is_plan_editor = is_secretariat
is_plan_deleter = is_reader & rules.is_superuser

for model in PLAN_MODELS:
    rules.add_perm(f"roadmap.view_{model}", is_reader)
    rules.add_perm(f"roadmap.add_{model}", is_plan_editor)
    rules.add_perm(f"roadmap.change_{model}", is_plan_editor)
    # Deleting plan records is a back-office act (the admin), never a product screen.
    rules.add_perm(f"roadmap.delete_{model}", is_plan_deleter)

rules.add_perm("roadmap.view_history", is_reader)
rules.add_perm("roadmap.export_activities", is_reader)
