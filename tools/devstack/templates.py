"""Fill the {{NAME}} placeholders of the configuration templates in conf/.

Not string.Template: nginx and lighttpd use `$` themselves."""
from __future__ import annotations

import re
from pathlib import Path

from .process import StartError

PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def render(template: Path, target: Path, values: dict[str, object]) -> Path:
    text = template.read_text()
    missing = sorted(set(PLACEHOLDER.findall(text)) - values.keys())
    if missing:
        raise StartError(f"{template}: no value for {', '.join(missing)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text))
    return target
