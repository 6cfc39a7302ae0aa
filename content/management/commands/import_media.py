from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from content import images, services


class Command(BaseCommand):
    help = (
        "Import images into the media library (e.g. from an old website): one line per file; a file that is not "
        "a safe image is refused with the reason, leaves nothing behind, and makes the command exit 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--alt", required=True, help="Alt text in English, for every file imported.")
        parser.add_argument("--alt-es", default="", help="Alt text in Spanish (optional; falls back to English).")
        parser.add_argument("--credit", default="")
        parser.add_argument("--licence", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        refused = 0
        for path in options["paths"]:
            try:
                data = path.read_bytes()
                asset = services.media_asset_import(
                    data=data,
                    filename=path.name,
                    alt_en=options["alt"],
                    alt_es=options["alt_es"],
                    credit=options["credit"],
                    licence=options["licence"],
                )
            except (OSError, images.ImageRefused, ValidationError) as exc:
                refused += 1
                reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.stdout.write(f"refused  {path}: {reason}")
                continue
            self.stdout.write(f"imported {path}: image {asset.pk}, {asset.width}x{asset.height}")
        if refused:
            raise CommandError(f"{refused} of {len(options['paths'])} file(s) refused.")
