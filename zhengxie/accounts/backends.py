from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from zhengxie.accounts.models import User


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the mobile number, and a password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        ident = username.strip()
        user = User.objects.filter(Q(username=ident) | Q(phone=ident)).order_by("id").first()
        if user is None:
            # Spend the same time as a real check so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
