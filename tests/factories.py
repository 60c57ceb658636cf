"""factory_boy factories shared by the test suite (one section per app)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from allauth.account.models import EmailAddress

from tribune.accounts.models import Access, Member

PASSWORD = "correct horse battery staple"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda m: f"{m.username}@example.org")
    display_name = factory.Faker("name")
    date_of_birth = dt.date(1990, 5, 17)
    access = Access.ADMITTED
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A verified primary e-mail unless `verified=False` is passed."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )
