"""What sign-in says: the bilingual refusals shared by its parts, the SMS with the code, and waits in whole seconds.

Its own room because the OTP, staff and session parts of the service all answer in these words, and the texts are
easier to review together than scattered through the flows.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune

BAD_LOGIN = (
    "Tên đăng nhập hoặc mật khẩu không đúng.",
    "The username or password is incorrect.",
)
SESSION_GONE = (
    "Phiên đăng nhập đã hết hạn hoặc không còn hiệu lực. Vui lòng đăng nhập lại.",
    "Your session has expired or is no longer valid. Please sign in again.",
)


def _commune_short_name(commune: Commune) -> str:
    """``Xã Giao Phong`` → ``Giao Phong`` (the app is "Công dân số Giao Phong")."""
    name = commune.name
    for prefix in ("Xã ", "xã ", "Phường ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def otp_sms_text(commune: Commune, code: str, ttl_s: int) -> str:
    """The SMS a citizen receives with their sign-in code (Vietnamese)."""
    minutes = max(1, ttl_s // 60)
    return (
        f"Mã đăng nhập Công dân số {_commune_short_name(commune)}: {code}. "
        f"Hiệu lực {minutes} phút. Không chia sẻ mã này."
    )


def ceil_s(delta: timedelta) -> int:
    """``delta`` in whole seconds, rounded up and at least 1 (what a ``Retry-After`` may say)."""
    return max(1, math.ceil(delta.total_seconds()))
