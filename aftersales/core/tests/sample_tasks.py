"""Tasks for the worker tests. Each run leaves a trace the test can read back."""

from django_tasks import task

calls: list[str] = []


@task()
def record_call() -> str:
    calls.append("record_call")
    return "recorded"


not_a_task = "a plain string, not a django-tasks Task"
