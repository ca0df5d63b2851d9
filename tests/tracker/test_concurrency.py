"""Two reviewers acting on the same update at the same moment, each on their own database connection:
one wins, the other is told, and nothing is half-written. Run on PostgreSQL as well as SQLite
(DATABASE_URL=postgres://... pytest tests/tracker/test_concurrency.py --create-db)."""

import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from core import errors
from roadmap.models import Activity
from tests import factories
from tests.helpers import write_update
from tracker.models import DueUpdate, ProgressUpdate, UpdateTransition
from tracker.review import services as review_services

LOST = (errors.StaleVersionError, errors.TransitionError)


def review(action, update, user, version):
    if action == "approve":
        return review_services.progress_update_approve(
            update=update, acting_user=user, expected_version=version, comment=f"OK from {user}"
        )
    return review_services.progress_update_return(
        update=update, comment=f"Back from {user}", acting_user=user, expected_version=version
    )


def waiting_for_locks(call):
    """Run `call`, waiting out SQLite lock errors as its busy timeout would.

    The test database on SQLite is a shared in-memory one, whose table locks fail at once instead of
    waiting like the file database's busy timeout (PostgreSQL waits on the row lock). The service ran
    in one transaction that was rolled back, so trying it again is exactly what waiting would do.
    """
    for _attempt in range(500):
        try:
            return call()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.01)
    raise AssertionError("still locked after five seconds")


def race(actions, update, users, *, with_version):
    """Run both reviews at once, released together by a barrier; return each one's outcome."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)
    version = update.version if with_version else None

    def reviewer(i):
        try:
            barrier.wait(timeout=10)
            waiting_for_locks(
                lambda: review(actions[i], ProgressUpdate.objects.get(pk=update.pk), users[i], version)
            )
            outcomes[i] = "won"
        except LOST as error:
            outcomes[i] = error
        except Exception as error:  # anything else is a failure of the test, reported below
            outcomes[i] = error
        finally:
            # Each thread had its own connection; close it so the test database can be dropped.
            connection.close()

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_version", [True, False], ids=["same-version", "no-version"])
@pytest.mark.parametrize(
    "actions", [("approve", "approve"), ("approve", "return"), ("return", "return")], ids="-".join
)
def test_two_reviewers_at_once_one_wins(actions, with_version, plan, cycle, focal_vn, secretariat_user):
    other = factories.SecretariatFactory(username="sec2")
    update = write_update(
        author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True, proposed_percent=75
    )

    outcomes = race(actions, update, [secretariat_user, other], with_version=with_version)

    assert sorted(o == "won" for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if o != "won")
    assert isinstance(loser, LOST), repr(loser)
    winner = [secretariat_user, other][outcomes.index("won")]
    won_action = actions[outcomes.index("won")]
    update.refresh_from_db()
    reviews = list(UpdateTransition.objects.filter(update=update, from_state="submitted"))
    assert len(reviews) == 1
    assert (reviews[0].to_state, reviews[0].actor) == (
        "approved" if won_action == "approve" else "returned",
        winner,
    )
    assert (update.state, update.reviewed_by) == (reviews[0].to_state, winner)
    assert update.version == 3  # created 1, submitted 2, reviewed once 3
    activity = Activity.objects.get(pk=plan["activity"].pk)
    changes = activity.history.filter(history_change_reason__startswith="Approved")
    if won_action == "approve":
        assert activity.percent_complete == 75 and changes.count() == 1
    else:
        assert activity.percent_complete == 40 and changes.count() == 0
    assert DueUpdate.objects.get(cycle=cycle, member_state=focal_vn.member_state).status == update.state
