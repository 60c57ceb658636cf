"""factory_boy factories shared by the test suite (one section per app)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

import factory
from allauth.account.models import EmailAddress

from tribune.accounts.models import Access, Member

if TYPE_CHECKING:
    from tribune.communities.models import Subwiki
    from tribune.posts.models import Post

PASSWORD = "correct horse battery staple"
_subwiki_numbers = itertools.count(1)


class MemberFactory(factory.django.DjangoModelFactory[Member]):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda m: f"{m.username}@example.org")
    display_name = factory.Faker("name")
    date_of_birth = dt.date(1990, 5, 17)
    access = Access.ADMITTED
    password = factory.django.Password(PASSWORD)

    @factory.PostGeneration
    def verified(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A verified primary e-mail unless `verified=False` is passed."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


def make_subwiki(owner: Member | None = None, **kwargs: Any) -> Subwiki:
    """A subwiki made through the real service, so its page and first revision exist."""
    from tribune.communities.services import subwiki_create

    owner = owner or MemberFactory.create()
    number = next(_subwiki_numbers)
    kwargs.setdefault("name", f"Subwiki {number}")
    kwargs.setdefault("slug", f"subwiki-{number}")
    return subwiki_create(actor=owner, **kwargs)


def make_post(author: Member | None = None, subwiki: Subwiki | None = None, **kwargs: Any) -> Post:
    """A post made through the real service (with its page and first revision)."""
    from tribune.posts.services import post_create

    author = author or MemberFactory.create()
    kwargs.setdefault("kind", "article")
    kwargs.setdefault("title", "A title")
    kwargs.setdefault("body", "First line.\nSecond line.\nThird line.\n")
    return post_create(author=author, subwiki=subwiki, **kwargs)
