"""The timeline's filter."""

from roadmap.filters import ActivityFilter


class TimelineFilter(ActivityFilter):
    """The timeline's filters: the activity list's, less search, flag and overdue."""

    q = None
    flag = None
    overdue = None

    class Meta(ActivityFilter.Meta):
        fields = ["recommendation", "member_state", "body", "status"]
