from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    """Content-Security-Policy and the few security headers Django 5.2 does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            # Pages with personal data, and every API answer (bearer clients and the token itself),
            # must not linger in shared caches or the back button of a shared PC.
            response.headers["Cache-Control"] = "no-store"
        return response
