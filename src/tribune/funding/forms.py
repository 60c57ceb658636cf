"""Forms of the funding pages. They parse what was typed; funding.services holds the rules
(which amounts, currencies and intervals are accepted), and says why it refuses one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tribune.core.forms import ServiceErrorsMixin
from tribune.funding.models import Interval
from tribune.funding.selectors import suggested_amounts

OTHER = "other"


def _number(amount: Decimal) -> str:
    """13, 100 or 12.50, in the language's own digits and separators."""
    return str(floatformat(amount, "-2g"))


def amount_choices(suggested: dict[str, tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    """The suggested amounts as radio choices, each saying what it is suggested for.

    The default suggestions (13 a month, 100 a year) are the same in every currency; when
    a currency has its own, its label names the currencies it is suggested in.
    """
    slots = (gettext("suggested for a month"), gettext("suggested for a year"))
    uses: dict[Decimal, dict[int, list[str]]] = {}
    for currency, pair in suggested.items():
        for slot, amount in enumerate(pair):
            uses.setdefault(amount, {}).setdefault(slot, []).append(currency)
    choices = []
    for amount in sorted(uses):
        reasons = []
        for slot, currencies in sorted(uses[amount].items()):
            if len(currencies) == len(suggested):
                reasons.append(slots[slot])
            else:
                reasons.append(
                    gettext("%(reason)s in %(currencies)s")
                    % {"reason": slots[slot], "currencies": ", ".join(currencies)}
                )
        label = gettext("%(amount)s (%(reasons)s)") % {
            "amount": _number(amount),
            "reasons": "; ".join(reasons),
        }
        choices.append((format(amount, "f"), label))
    choices.append((OTHER, gettext("Another amount")))
    return choices


def default_currency() -> str:
    offered = list(settings.TRIBUNE_DONATION_AMOUNTS)
    funding = settings.TRIBUNE_FUNDING_CURRENCY
    return funding if funding in offered else offered[0]


class DonationForm(ServiceErrorsMixin, forms.Form):
    """How often, in which currency and how much. Interval, currency and the amount are
    taken as sent: donation_create checks them and names the problem."""

    interval = forms.CharField(
        label=_("How often"), widget=forms.RadioSelect(choices=Interval.choices)
    )
    currency = forms.CharField(label=_("Currency"), widget=forms.Select)
    amount = forms.ChoiceField(
        label=_("Amount"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an amount, or type your own.")},
    )
    other_amount = forms.CharField(
        label=_("Your own amount"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_(
            "In the currency chosen above, such as 25 or 7.50. If you type one, it is the "
            "amount given."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        suggested = suggested_amounts()
        currency = default_currency()
        kwargs.setdefault(
            "initial",
            {
                "interval": Interval.MONTH,
                "currency": currency,
                "amount": format(suggested[currency][0], "f"),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["currency"].widget.choices = [(c, c) for c in suggested]
        self.fields["amount"].choices = amount_choices(suggested)  # type: ignore[attr-defined]  # ChoiceField
        if self.data.get("other_amount", "").strip():
            self.fields["amount"].required = False  # a typed amount needs no choice above

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = (data.get("other_amount") or "").strip()
        data["other_amount"] = typed
        if not typed and data.get("amount") == OTHER:
            self.add_error("other_amount", _("Type the amount you want to give."))
        return data

    def amount_given(self) -> str:
        """What to give: the amount typed, else the suggestion chosen (call after is_valid)."""
        return str(self.cleaned_data["other_amount"] or self.cleaned_data["amount"])

    def field_for_error(self, name: str) -> str:
        # The amount's reason goes where the amount came from: the typed one or the radios.
        if name == "amount" and self.cleaned_data.get("other_amount"):
            return "other_amount"
        return name
