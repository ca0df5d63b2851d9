"""The plan's permissions: everybody signed in reads it; the secretariat keeps it."""

import rules

from accounts.rules import is_reader, is_secretariat

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
