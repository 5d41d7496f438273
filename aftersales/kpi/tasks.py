"""Background tasks: each takes plain values, calls one service, and is safe to run twice."""

from django_tasks import task


@task()
def kpi_snapshots_task() -> dict:
    """Every minute (`core.schedule`): recompute the periods whose days writes marked stale."""
    from aftersales.kpi.services import kpi_snapshots_refresh_stale

    drained = kpi_snapshots_refresh_stale()
    return {"marks": drained.marks, "days": len(drained.days), "rows": drained.rows}


@task()
def kpi_reconcile_task() -> dict:
    """Nightly (`core.schedule`): recompute everything recent, for the values that change with time."""
    from aftersales.kpi.services import kpi_snapshots_reconcile

    return {"rows": kpi_snapshots_reconcile()}
