from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.dashboard.sections import dashboard_data


class DashboardApi(APIView):
    """The dashboard's figures as JSON; a section whose app fails is reported alone as unavailable."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        response = Response(dashboard_data(request.user))
        response["Cache-Control"] = "private, no-store"
        return response
