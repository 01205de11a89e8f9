"""The shape of a feature's vocabulary: a `StrEnum` whose members carry their human labels, and a column type.

Each feature defines its words once, in its `models.py`, as a `Vocabulary` (members with a label a person reads,
marked for translation with the lazy gettext). A member *is* its string (`RegistrationStatus.REGISTERED ==
"registered"`), so the database columns, JSON payloads and templates keep the same values; `EnumText` gives a
`String` column back as members, so `registration.status.label` works wherever a row is read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class Vocabulary(StrEnum):
    """A StrEnum whose members are declared as `NAME = "value", label` (the label lazily translated)."""

    label: Any  # a lazy string: translated into the reader's language when it is shown

    def __new__(cls, value: str, label: Any = None) -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """Return (value, label) pairs in declaration order, for select fields."""
        return [(member.value, member.label) for member in cls]


class EnumText(TypeDecorator):
    """A String column whose values are a `Vocabulary`'s members (the column itself stays plain text).

    A stored value the vocabulary does not know is returned as the plain string, so reading an old row never fails.
    """

    impl = String
    cache_ok = True

    def __init__(self, vocabulary: type[Vocabulary], length: int) -> None:
        super().__init__(length)
        self.vocabulary = vocabulary

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        try:
            return self.vocabulary(value)
        except ValueError:
            return value

    def copy(self, **kw: Any) -> EnumText:
        return EnumText(self.vocabulary, self.impl.length)
