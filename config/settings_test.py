"""Test settings: the same file as production with fast hashing and mail captured in memory."""

import os
import tempfile

os.environ.setdefault("AFTERSALES_INSECURE_DEV_KEY", "true")
os.environ.setdefault("SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Attachments written by tests go to a fresh temporary folder, removed when the test run ends.
_test_files = tempfile.TemporaryDirectory(prefix="aftersales-test-files-")
STORAGES["default"]["OPTIONS"]["location"] = _test_files.name  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
