"""Who may reach the app: loopback without a login, any other address only with one.

Gradio serves every page and API route (query, upload, delete, re-index) to whoever reaches its port.  A host that
is not loopback without ``HUIBAO_UI__AUTH`` would hand the library to the network, so the app refuses to start
there, before any model is loaded, with a message saying what to set.  A malformed login (no ``:``, an empty user or
password) is refused too rather than ignored: ignoring it would silently mean "no login".
"""
from __future__ import annotations

import ipaddress


class ExposureError(ValueError):
    """The app would serve a network without a login, or the login setting is malformed."""


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """'user:pw,user2:pw2' → Gradio's auth pairs; None (no login) when empty; malformed → :class:`ExposureError`."""
    pairs = []
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        user, colon, password = item.partition(":")
        if not colon or not user.strip() or not password:
            raise ExposureError("HUIBAO_UI__AUTH 格式应为 user:password[,user2:password2]，用户名和密码都不能为空")
        pairs.append((user.strip(), password))
    return pairs or None


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; anything else (0.0.0.0, ::, a name, a LAN address) is not."""
    host = (host or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, auth: str) -> list[tuple[str, str]] | None:
    """The login pairs to serve ``host`` with; raises :class:`ExposureError` for a network host without a login."""
    pairs = parse_auth(auth)
    if pairs is None and not is_loopback(host):
        raise ExposureError(
            f"拒绝启动：--host {host} 会把资料库开放给网络，但没有设置登录。请设置环境变量 "
            "HUIBAO_UI__AUTH=用户名:密码（可用逗号分隔多个），或只在本机使用 --host 127.0.0.1。")
    return pairs
