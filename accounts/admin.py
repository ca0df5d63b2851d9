from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "member_state",
        "body",
        "is_active",
    ]
    list_filter = ["role", "member_state", "body", "is_active", "is_staff"]
    list_select_related = ["member_state", "body"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Role in the tracker"),
            {"fields": ["role", "member_state", "body", "receives_submission_digest"]},
        ),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role in the tracker"), {"fields": ["role", "member_state", "body"]}),
    )
