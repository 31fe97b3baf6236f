"""Field checks shared by forms, the API and imports. Messages are msgids (English)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from appliance.errors import ValidationError, ValidationErrors
from appliance.i18n import N_

# Mainland mobile numbers, or a landline with an optional area code (010-12345678).
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
# Short service numbers a directory lists: 110/119/120/122, 12345 and the other 123xx lines,
# 95xxx/96xxx service numbers (some with an extension digit or two), 400/800 numbers.
_HOTLINE = re.compile(r"^(11[0-9]|12[0-9]|123\d{2}|9[56]\d{3,6}|[48]00-?\d{3}-?\d{4})$")

ROLE_WORDS = {
    "owner": "owner", "业主": "owner", "产权人": "owner",
    "tenant": "tenant", "租户": "tenant", "租客": "tenant",
    "family": "family", "家属": "family", "家庭成员": "family", "家人": "family",
}
ROLE_LABELS = {"owner": "业主", "tenant": "租户", "family": "家庭成员"}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "x"}
NO = {"否", "n", "no", "false", "0", ""}


def clean_text(value, field: str, *, required: bool = False, max_len: int = 100, row=None) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError("This is required.", field=field, row=row)
    if len(text) > max_len:
        raise ValidationError("Too long (at most %(n)s characters).", field=field, row=row, n=max_len)
    if any(ord(c) < 32 for c in text):
        raise ValidationError("Contains control characters.", field=field, row=row)
    return text


def clean_phone(value, field: str = "phone", row=None, *, hotline: bool = False) -> str:
    """A mainland mobile or landline number; with ``hotline`` also a short service number
    (12345, 110, 96xxx, 400-…) — for directories, never for a person."""
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # Excel stores long numbers as floats
    text = re.sub(r"[\s()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    if text and hotline and _HOTLINE.match(text):
        return text
    if text and not (_MOBILE.match(text) or _LANDLINE.match(text)):
        raise ValidationError("Not a valid phone number: %(value)s", field=field, row=row, value=text[:20])
    return text


def clean_date(value, field: str, row=None) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    text = re.sub(r"年|月", "-", text).replace("日", "")
    try:
        return datetime.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        raise ValidationError("Not a date (use 2024-03-01): %(value)s", field=field, row=row,
                              value=str(value)[:20]) from None


def clean_area(value, field: str = "area_m2", row=None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        area = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError("Floor area must be a number of square metres.", field=field, row=row) from None
    if not area.is_finite():  # "nan" parses; comparing it would raise
        raise ValidationError("Floor area must be a number of square metres.", field=field, row=row)
    if not (Decimal("0") < area < Decimal("100000")):
        raise ValidationError("Floor area must be between 0 and 100000 m².", field=field, row=row)
    return area


def clean_role(value, field: str = "role", row=None) -> str:
    text = ("" if value is None else str(value)).strip().lower()
    if not text:
        return "owner"
    if text not in ROLE_WORDS:
        raise ValidationError("Unknown role %(value)s (use 业主, 租户 or 家庭成员).", field=field, row=row,
                              value=text[:20])
    return ROLE_WORDS[text]


def clean_flag(value, field: str, row=None) -> bool:
    if isinstance(value, bool):
        return value
    text = ("" if value is None else str(value)).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError("Use 是 or 否.", field=field, row=row)


def clean_int(value, field: str, *, min=None, max=None, row=None, range_msgid: str | None = None) -> int | None:
    """``range_msgid`` names the field and the allowed range in words ("Birth year must be ...")."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip().split(".")[0]) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationError("Must be a whole number.", field=field, row=row) from None
    if (min is not None and number < min) or (max is not None and number > max):
        if range_msgid:
            raise ValidationError(range_msgid, field=field, row=row, min=min, max=max)
        if min is not None and max is not None:
            raise ValidationError("Must be between %(min)s and %(max)s.", field=field, row=row, min=min, max=max)
        if min is not None:
            raise ValidationError("Must be at least %(min)s.", field=field, row=row, min=min)
        raise ValidationError("Must be at most %(max)s.", field=field, row=row, max=max)
    return number


BIRTH_YEAR_RANGE = N_("Birth year must be between 1900 and this year.")


def clean_all(checks: dict) -> dict:
    """Run every field's check and report all the bad fields together, not just the first one.

    ``checks`` maps a field to a callable returning its cleaned value.
    """
    values, errors = {}, []
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationErrors as exc:
            errors.extend(exc.errors)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    return values
