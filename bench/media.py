"""Benchmark of the media library's rendition task: time and peak memory of one worker process.

    .venv/bin/python bench/media.py [--runs 3]

For a 24-megapixel camera JPEG (6000 x 4000) and a 4,000-pixel-wide PNG (4000 x 3000), it measures, each
step in a fresh process so that its peak memory is its own:

- in the web process that receives the upload: checking and stripping it (content.images.check_and_strip:
  every check, a full decode, re-encoding without metadata), and that process's peak resident memory;
- in one worker process, the rendition task from the stored original: the full width set
  (content.images.open_stored + make_width_renditions: 320, 640, 960, 1280 and 1920 pixels in AVIF, WebP and
  JPEG, 15 files; target under 10 s for the JPEG), then the fixed-ratio crops (16:9, 4:3, 1:1 at 640 and
  1280 in WebP and JPEG, which may be made on first use), and the worker's peak resident memory (ru_maxrss,
  Django loaded; VmHWM; target under 500 MiB).

The pictures are synthetic but photo-like (gradients, shapes and noise, so they compress like photographs,
not like flat colour). Results go to bench/results/media-<timestamp>.json.
"""

import argparse
import io
import json
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _picture(width: int, height: int, kind: str) -> bytes:
    import random

    from PIL import Image, ImageDraw, ImageFilter

    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(base)
    rng = random.Random(7)
    for _ in range(400):
        x, y = rng.randrange(width), rng.randrange(height)
        size = rng.randrange(20, max(21, width // 8))
        draw.ellipse((x, y, x + size, y + size), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(base.filter(ImageFilter.GaussianBlur(2)), noise, 0.15)
    out = io.BytesIO()
    picture.save(out, format=kind, quality=92) if kind == "JPEG" else picture.save(out, format=kind)
    return out.getvalue()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a
    spawned child would report its parent's peak (this benchmark's, holding both pictures) when that is larger."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _upload(data: bytes, filename: str, queue: "multiprocessing.Queue[dict]") -> None:
    _setup()
    from content import images

    started = time.perf_counter()
    checked = images.check_and_strip(data=data, filename=filename)
    queue.put(
        {
            "check_and_strip_s": round(time.perf_counter() - started, 2),
            "stored": checked.data,
            "web_peak_mib": _peak_mib(),
        }
    )


def _worker(stored: bytes, queue: "multiprocessing.Queue[dict]") -> None:
    _setup()
    from content import images

    started = time.perf_counter()
    image = images.open_stored(stored)
    widths = images.make_width_renditions(image)
    widths_at = time.perf_counter()
    crops = images.make_crop_renditions(image, focal=(0.5, 0.4))
    queue.put(
        {
            "width_set_s": round(widths_at - started, 2),
            "width_set_files": len(widths),
            "crops_s": round(time.perf_counter() - widths_at, 2),
            "crop_files": len(crops),
            "worker_peak_mib": _peak_mib(),
        }
    )


def _in_process(context: multiprocessing.context.SpawnContext, target: Callable[..., None], *args: object) -> dict:
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get(timeout=600)
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cases = [
        ("24-megapixel JPEG (6000x4000)", _picture(6000, 4000, "JPEG"), "camera.jpg"),
        ("4,000-pixel PNG (4000x3000)", _picture(4000, 3000, "PNG"), "screen.png"),
    ]
    context = multiprocessing.get_context("spawn")  # a fresh process each time: its peak memory is the task's
    results = []
    for _ in range(args.runs):
        for name, data, filename in cases:
            upload = _in_process(context, _upload, data, filename)
            stored = upload.pop("stored")
            worker = _in_process(context, _worker, stored)
            results.append({"image": name, "upload_bytes": len(data), **upload, **worker})
    header = f"{'image':32} {'check s':>8} {'web MiB':>8} {'15 widths s':>11} {'crops s':>8} {'worker MiB':>10}"
    print(header)
    for row in results:
        print(
            f"{row['image']:32} {row['check_and_strip_s']:>8} {row['web_peak_mib']:>8} {row['width_set_s']:>11} "
            f"{row['crops_s']:>8} {row['worker_peak_mib']:>10}"
        )
    out = ROOT / "bench" / "results" / f"media-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
