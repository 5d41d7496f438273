"""What every staff page shares: sign-in and staff-only access, and answering htmx with a fragment."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

# An htmx request with invalid input gets this status and the form fragment back (static/js/service.js
# lets htmx swap it in; without JavaScript the browser shows the page as usual).
UNPROCESSABLE = 422


def staff_required(view):
    """Signed-in staff only: anonymous visitors go to the sign-in page. A portal customer gets 403 on a
    staff page and 404 on a page about one object (a request, a customer): the same answer as for an
    object that does not exist, so the URL tells them nothing."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff_member:
            if kwargs:
                raise Http404
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))
