"""Content tasks: each takes ids and calls one service."""

from celery import shared_task

from content import services


# Nothing here is worth retrying: a missing asset is gone, and a decode error repeats. A storage outage raises
# and the task fails visibly; the editor saves the asset again (or `import_media` runs again) to retry.
@shared_task(name="content.media_renditions_make")
def media_renditions_make_task(asset_id: int) -> None:
    services.media_renditions_make(asset_id=asset_id)
