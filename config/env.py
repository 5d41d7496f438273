"""Typed environment readers that fail loudly on malformed values.

A secret may also come from a file: `SECRET_KEY_FILE=/run/secrets/key` is read when `SECRET_KEY` is unset.
"""

import os


class ConfigurationError(RuntimeError):
    pass


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    if value is None and os.environ.get(f"{name}_FILE"):
        with open(os.environ[f"{name}_FILE"], encoding="utf-8") as handle:
            value = handle.read().strip()
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not an integer") from exc
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name}={raw!r} is too small (at least {minimum})")
    if maximum is not None and value > maximum:
        raise ConfigurationError(f"{name}={raw!r} is too large (at most {maximum})")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of a few words; anything else stops the start, naming the variable and the words."""
    value = env_str(name, default)
    if value not in choices:
        raise ConfigurationError(f"{name}={value!r}: use {', '.join(choices[:-1])} or {choices[-1]}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
