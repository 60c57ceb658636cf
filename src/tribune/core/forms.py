"""What the apps' forms share: service errors put beside their fields, Markdown as typed."""

from __future__ import annotations

from django import forms

from tribune.core.exceptions import ServiceError


class ServiceErrorsMixin:
    """Show a ServiceError's field errors next to their fields, and the rest at the top.

    An error about a hidden field (the base revision) is told at the top in the error's
    own words, which say what went wrong with what the member cannot see; one about a
    field the form does not have goes to the top as it is. A service error without
    field errors is shown at the top.
    """

    def field_for_error(self, name: str) -> str:
        """The form field that a service's error about `name` belongs beside."""
        return name

    def add_service_error(self, error: ServiceError) -> None:
        form: forms.Form = self  # type: ignore[assignment]  # mixed into forms only
        placed = hidden = False
        for name, messages in (error.errors or {}).items():
            field_name = self.field_for_error(name)
            field = form.fields.get(field_name)
            if field is not None and field.widget.is_hidden:
                hidden = True
                continue
            for message in messages:
                form.add_error(field_name if field is not None else None, message)
                placed = True
        if hidden or not placed:
            form.add_error(None, str(error.detail))


class MarkdownField(forms.CharField):
    """Multi-line Markdown as typed, with the browser's CRLF line ends made LF.

    Otherwise a save that changes nothing but line ends would make a revision whose
    diff shows nothing.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("strip", False)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n").replace("\r", "\n")
