"""Text from a textarea: like :func:`appliance.validation.clean_text`, but line breaks are kept."""

from __future__ import annotations

from appliance.validation import clean_text


def clean_paragraphs(value, field: str, *, required: bool = False, max_len: int = 4000) -> str:
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_text(line.replace("\t", " "), field, max_len=max_len) for line in text.split("\n")]
    return clean_text(" ".join(lines), field, required=required, max_len=max_len) and "\n".join(lines).strip()
