"""Text in the languages a notice is rendered in."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import GetJsonSchemaHandler, RootModel, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Language = Literal["en", "ko"]
LANGUAGES: tuple[Language, ...] = ("en", "ko")
MAX_TEXT = 20_000


class LocalizedText(RootModel[dict[Language, str]]):
    """``{en: ..., ko: ...}``; a plain string is English. Rendering falls back to English."""

    @model_validator(mode="before")
    @classmethod
    def _plain_string_is_english(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"en": value}
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> LocalizedText:
        if not self.root or not any(v.strip() for v in self.root.values()):
            raise ValueError("text must not be empty")
        for text in self.root.values():
            if len(text) > MAX_TEXT:
                raise ValueError(f"text is longer than {MAX_TEXT} characters")
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        text = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
        return {
            "title": "LocalizedText",
            "description": "Text per language; a plain string is English.",
            "anyOf": [
                text,
                {
                    "type": "object",
                    "properties": {lang: text for lang in LANGUAGES},
                    "additionalProperties": False,
                    "minProperties": 1,
                },
            ],
        }

    def get(self, lang: Language) -> str:
        return self.root.get(lang) or self.root.get("en") or next(iter(self.root.values()))

    def has(self, lang: Language) -> bool:
        return bool(self.root.get(lang, "").strip())

    def __str__(self) -> str:
        return self.get("en")
