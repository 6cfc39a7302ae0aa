"""Cache invalidation on every write path (admin, services, shell, loaddata).

This is the one use of signals here, and it holds no business rule: whatever changed content, cached
responses must not outlive it. The bump waits for the commit, so no reader can cache the old rows under
the new token.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from content import models
from content.versioning import content_version_bump

_CONTENT_MODELS = (
    models.SiteProfile,
    models.Program,
    models.Therapy,
    models.Article,
    models.Tag,
    models.FAQ,
    models.Testimonial,
    models.SlugHistory,
    models.Redirect,
    models.Menu,
    models.MenuItem,
    models.ProgramAvailability,
    models.InsurancePlan,
    models.ProgramInsurance,
    models.MediaAsset,
)


def _bump_on_commit(**_: Any) -> None:
    transaction.on_commit(content_version_bump)


for _model in _CONTENT_MODELS:
    post_save.connect(_bump_on_commit, sender=_model, dispatch_uid=f"content-bump-save-{_model.__name__}")
    post_delete.connect(_bump_on_commit, sender=_model, dispatch_uid=f"content-bump-delete-{_model.__name__}")

for _through in (
    models.Program.therapies.through,
    models.Article.tags.through,
    models.Article.related_programs.through,
    models.Article.related_therapies.through,
):
    m2m_changed.connect(_bump_on_commit, sender=_through, dispatch_uid=f"content-bump-m2m-{_through.__name__}")
