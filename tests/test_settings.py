import json
import os
import subprocess
import sys


def settings_under(env: dict[str, str], *names: str) -> dict[str, object]:
    """Read settings in a fresh interpreter with the given environment."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "guanxi.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_a_site_served_over_https_gets_secure_cookies_and_hsts_on_demand() -> None:
    values = settings_under(
        {"SITE_URL": "https://crm.example.cn", "HSTS_SECONDS": "31536000", "DEBUG": "0"},
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "DEBUG",
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "DEBUG": False,
    }


def test_with_nothing_set_it_runs_embedded_in_chinese_on_shanghai_time() -> None:
    env = {"DATABASE_URL": "", "REDIS_URL": "", "TIME_ZONE": "", "LANGUAGE_CODE": ""}
    values = settings_under(env, "DATABASES", "HUEY", "TIME_ZONE", "LANGUAGE_CODE", "DEBUG")
    assert "sqlite3" in str(values["DATABASES"])
    assert "journal_mode=WAL" in str(values["DATABASES"])
    assert "SqliteHuey" in str(values["HUEY"])
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["LANGUAGE_CODE"] == "zh-hans"
    assert values["DEBUG"] is False


def test_redis_url_switches_queue_and_cache_to_redis() -> None:
    values = settings_under({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "HUEY", "CACHES")
    assert "RedisHuey" in str(values["HUEY"])
    assert "RedisCache" in str(values["CACHES"])
