"""Who a user acts for: the one place that answers it, and the one way a party is written as text.

A party is a member state (through its focal points) or a body (through its representatives).
The secretariat and observers act for no party.
"""

from dataclasses import dataclass

from accounts.models import Role


def party_key(member_state_id, body_id):
    """A party as stable text, `ms:12` or `body:3`: for forms, grouping and comparing parties."""
    return f"ms:{member_state_id}" if member_state_id else f"body:{body_id}"


@dataclass(frozen=True)
class Party:
    member_state_id: int | None = None
    body_id: int | None = None

    @property
    def key(self):
        return party_key(self.member_state_id, self.body_id)

    def owns(self, obj):
        """`obj` (an update, a due update, a reopening…) belongs to this party."""
        if self.member_state_id:
            return obj.member_state_id == self.member_state_id and not obj.body_id
        return obj.body_id == self.body_id and not obj.member_state_id


def party_of(user):
    """The party `user` reports for, or None (secretariat, observers, anonymous visitors)."""
    if not (user and user.is_authenticated):
        return None
    if user.role == Role.FOCAL_POINT and user.member_state_id:
        return Party(member_state_id=user.member_state_id)
    if user.role == Role.BODY_REPRESENTATIVE and user.body_id:
        return Party(body_id=user.body_id)
    return None
