"""Forms of the talk. They parse what was typed; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.core.forms import MarkdownField, ServiceErrorsMixin


class CommentForm(ServiceErrorsMixin, forms.Form):
    """A comment, or a reply when `parent` names the comment it answers."""

    # Not required here: the service says "Please write something." the same way on
    # the pages and the API, and keeps the rule in one place.
    body = MarkdownField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 5}))
    parent = forms.CharField(widget=forms.HiddenInput, required=False)


class CommentEditForm(ServiceErrorsMixin, forms.Form):
    body = MarkdownField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 5}))
