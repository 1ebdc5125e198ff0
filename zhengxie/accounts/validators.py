from __future__ import annotations

from django.core.exceptions import ValidationError


class MixedCharactersValidator:
    """A password needs letters and at least one digit or symbol (GB/T 22239 level-2 practice)."""

    def validate(self, password: str, user=None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_other = any(not c.isalpha() for c in password)
        if not (has_letter and has_other):
            raise ValidationError("密码须同时包含字母和数字或符号。", code="password_not_mixed")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字或符号。"
