"""Which validator is each form's, and the slots a form fills. Each GuidedFormValidation
subclass registers itself when its module is imported (the action server imports every module
in actions/); the switching and the fallback ask here, not the forms' module."""
from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict

_validators: list[type] = []


def register(cls: type) -> None:
    _validators.append(cls)


def validator_for(form: str | None, wiring: Any = None) -> Any:
    """The validator of `form`, with the asking action's wiring (None: the process's). Each
    registers itself when its module is imported; the action server imports every module in actions/."""
    for cls in _validators:
        if "name" in cls.__dict__:
            validator = cls(wiring)
            if validator.form_name() == form:
                return validator
    return None


def form_slots(form: str, domain: DomainDict) -> list[str]:
    """Every slot the form fills: its required slots in the domain, plus its validator's helpers."""
    validator = validator_for(form)
    return [*domain["forms"][form]["required_slots"], *(validator.helper_slots if validator else ())]


def clear_form_slots(form: str, domain: DomainDict) -> list[SlotSet]:
    return [SlotSet(slot, None) for slot in form_slots(form, domain)] + [SlotSet("form_retries", 0)]


