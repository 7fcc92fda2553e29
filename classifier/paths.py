"""Fixed locations: the project root (whose data/, models/ and state/ are the settings' defaults) and file names.

Where the data, the models and the service's state live is a setting (classifier.settings), not read here.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_FILE = "dualuse.json"  # a model directory's config: members, head, version and metadata
