"""What the API's Lambda may import from vision costs it no OpenCV and no numpy (neither is in the API layer)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_wiring_contracts_rules_and_tracking_load_neither_cv2_nor_numpy():
    code = (
        "import json, sys\n"
        "import smartcommune.vision.wiring, smartcommune.vision.contracts\n"
        "import smartcommune.vision.logic.rules, smartcommune.vision.logic.tracking, smartcommune.vision.logic.costs\n"
        "print(json.dumps(sorted(m for m in ('cv2', 'numpy') if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
