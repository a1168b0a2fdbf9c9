from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from apps.common.api.errors import error_body
from apps.common.errors import NotFound as DomainNotFound
from apps.workers import selectors, services
from apps.workers.models import WorkerProfile
from apps.workers.serializers import (
    DirectoryCardSerializer,
    DirectoryQuerySerializer,
    GhanaCardSerializer,
    OwnProfileSerializer,
    PortfolioItemSerializer,
    PortfolioUploadSerializer,
    ProfileUpdateSerializer,
    WorkerCardSerializer,
    WorkerDetailSerializer,
)


def _own_profile(request) -> WorkerProfile:
    profile = selectors.worker_profile_for_user(request.user)
    if profile is None:
        raise NotFound(_("Only workers have a worker profile."))
    return profile


def _fresh_own_profile(user) -> WorkerProfile:
    return WorkerProfile.objects.select_related("user").prefetch_related("trades", "portfolio_items").get(user=user)


class WorkerDirectoryApi(GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = WorkerCardSerializer

    @extend_schema(parameters=[DirectoryQuerySerializer], responses=WorkerCardSerializer(many=True))
    def get(self, request):
        query = DirectoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = _page_number(request.query_params.get("page", "1"))
        page_size = self.paginator.get_page_size(request)
        result = selectors.worker_directory_page(query.to_filters(), page=number, page_size=page_size)
        if not result:
            return Response(
                error_body("directory_unavailable", _("The directory is temporarily unavailable.")),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "60"},
            )
        page = result.value
        if page.number != number:
            raise NotFound(_("Invalid page."))
        url = request.build_absolute_uri()
        return Response(
            {
                "count": page.count,
                "next": replace_query_param(url, "page", page.next_page_number) if page.has_next else None,
                "previous": _previous_link(url, page),
                "results": [DirectoryCardSerializer(card).data for card in page],
            },
            headers=_age_headers(result),
        )


def _page_number(raw: str) -> int:
    """Return the page asked for; anything but a page number from 1 up is a 404, as DRF's paginator answers."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise NotFound(_("Invalid page.")) from None
    if number < 1 or number > selectors.DIRECTORY_MAX_PAGE:
        raise NotFound(_("Invalid page."))
    return number


def _previous_link(url: str, page) -> str | None:
    if not page.has_previous:
        return None
    if page.previous_page_number == 1:
        return remove_query_param(url, "page")
    return replace_query_param(url, "page", page.previous_page_number)


def _age_headers(result) -> dict:
    """Tell clients how old a stale page is, in seconds, as the Age header does for HTTP caches."""
    if not result.is_stale:
        return {}
    return {"Age": str(int(result.age.total_seconds()))}


class WorkerDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=WorkerDetailSerializer)
    def get(self, request, user_id: int):
        try:
            profile = selectors.worker_public_profile(user_id=user_id)
        except DomainNotFound:
            raise NotFound(_("Worker not found.")) from None
        return Response(WorkerDetailSerializer(profile).data)


class OwnProfileApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OwnProfileSerializer)
    def get(self, request):
        _own_profile(request)
        return Response(OwnProfileSerializer(_fresh_own_profile(request.user)).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=OwnProfileSerializer)
    def patch(self, request):
        _own_profile(request)
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.worker_profile_update(user=request.user, **serializer.validated_data)
        return Response(OwnProfileSerializer(_fresh_own_profile(request.user)).data)


class GhanaCardApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=GhanaCardSerializer, responses=OwnProfileSerializer)
    def post(self, request):
        _own_profile(request)
        serializer = GhanaCardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.ghana_card_submit(user=request.user, number=serializer.validated_data["number"])
        return Response(OwnProfileSerializer(_fresh_own_profile(request.user)).data)


class PortfolioApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=PortfolioItemSerializer(many=True))
    def get(self, request):
        _own_profile(request)
        return Response(PortfolioItemSerializer(selectors.portfolio_for_owner(user=request.user), many=True).data)

    @extend_schema(request=PortfolioUploadSerializer, responses={201: PortfolioItemSerializer})
    def post(self, request):
        _own_profile(request)
        serializer = PortfolioUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.portfolio_item_add(
            user=request.user, upload=serializer.validated_data["image"], caption=serializer.validated_data["caption"]
        )
        return Response(PortfolioItemSerializer(item).data, status=status.HTTP_201_CREATED)


class PortfolioItemApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, item_id: int):
        services.portfolio_item_delete(user=request.user, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
