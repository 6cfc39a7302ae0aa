"""Every environment variable the settings (and gunicorn's settings file) read is documented in .env.example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_read_from_the_environment_is_in_env_example():
    read = set()
    for path in [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "config" / "gunicorn.py"]:
        read |= set(re.findall(r'env_(?:str|bool|int|list|choice)\("([A-Z0-9_]+)"', path.read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read, "no settings found: the pattern no longer matches config/settings"
    assert sorted(read - documented) == []
