"""The tests' one home for helpers: plain functions, imported by test modules and conftest files alike.

- `records`: the record written through the real services (`open_cycle`, `close_cycle`,
  `write_update`, `approve`, `return_update`, `correct`, `open_cycle_owing_three`, `small_plan`); every
  argument is keyword-only.
- `web`: what a view test reads off a response (`messages_of`, `login_redirect`, `template_names`).
- `browser`: logging in through the real form in Playwright (`log_in`, `PASSWORD`).
- `permission_matrix`: the machinery both permission matrices run on.
- `large_record`: the one large data set the query-count tests share.
- `files`: real, minimal files for uploads (`PDF`, `pdf_bytes`, `pdf_of_size`).

conftest.py files hold fixtures only (which may call these helpers); nothing imports from a conftest.
"""

from tests.helpers.records import (
    approve,
    close_cycle,
    correct,
    open_cycle,
    open_cycle_owing_three,
    return_update,
    small_plan,
    write_update,
)
from tests.helpers.web import login_redirect, messages_of, template_names

__all__ = [
    "approve",
    "close_cycle",
    "correct",
    "login_redirect",
    "messages_of",
    "open_cycle",
    "open_cycle_owing_three",
    "return_update",
    "small_plan",
    "template_names",
    "write_update",
]
