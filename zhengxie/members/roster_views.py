# Placeholder: roster import/export views are being written (see members/roster.py).
from django.http import Http404


def roster_import(request):
    raise Http404


def roster_export(request):
    raise Http404
