"""The jobs API: search, job CRUD and transitions, applications and decisions.

Each endpoint parses with a serializer, makes one call into services or selectors, and
presents the result. Objects the caller may not see are a 404 through NotFound.
"""

import logging

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.common.api.pagination import CappedPageNumberPagination
from apps.common.errors import NotAllowed
from apps.jobs import selectors, services
from apps.jobs.serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    HirerJobSerializer,
    HirerJobsParamsSerializer,
    JobCancelSerializer,
    JobCreateSerializer,
    JobSearchParamsSerializer,
    JobSerializer,
    JobWriteSerializer,
    MyApplicationsParamsSerializer,
)

logger = logging.getLogger(__name__)


def _paginated(request, view, queryset, serializer_class, **context):
    paginator = CappedPageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request, **context}).data
    return paginator.get_paginated_response(data)


def _job_body(job, user) -> dict:
    show_private = user.is_authenticated and job.hirer_id == user.pk
    return JobSerializer(job, context={"show_private": show_private}).data


def _require_role(user, role: str) -> None:
    if user.role != role:
        message = "Only hirer accounts can do this." if role == Role.HIRER else "Only worker accounts can do this."
        raise NotAllowed(message, code=f"not_a_{role}")


class JobListApi(APIView):
    @extend_schema(
        summary="Search open jobs",
        parameters=[JobSearchParamsSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=JobSerializer(many=True),
    )
    def get(self, request):
        params = JobSearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        jobs = selectors.job_search(search=params.to_search())
        return _paginated(request, self, jobs, JobSerializer)

    @extend_schema(
        summary="Create a job (draft, or published with publish=true)",
        request=JobCreateSerializer,
        responses={201: JobSerializer},
    )
    def post(self, request):
        serializer = JobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.service_fields()
        publish = fields.pop("publish")
        job = services.job_create(hirer=request.user, publish=publish, **fields)
        return Response(_job_body(job, request.user), status=status.HTTP_201_CREATED)


class JobDetailApi(APIView):
    @extend_schema(summary="Job detail", responses=JobSerializer)
    def get(self, request, job_id):
        job = selectors.job_get_visible(job_id=job_id, user=request.user)
        return Response(_job_body(job, request.user))

    @extend_schema(summary="Update a draft or open job", request=JobWriteSerializer, responses=JobSerializer)
    def patch(self, request, job_id):
        job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
        serializer = JobWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        job = services.job_update(job=job, actor=request.user, **serializer.service_fields())
        return Response(_job_body(job, request.user))


class JobTransitionApi(APIView):
    """POST /jobs/<id>/<publish|start|complete>/ as the job's hirer."""

    permission_classes = [permissions.IsAuthenticated]
    transition = None

    @extend_schema(request=None, responses=JobSerializer)
    def post(self, request, job_id):
        job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
        job = type(self).transition(job=job, actor=request.user)
        return Response(_job_body(job, request.user))


class JobPublishApi(JobTransitionApi):
    transition = staticmethod(services.job_publish)


class JobStartApi(JobTransitionApi):
    transition = staticmethod(services.job_start)


class JobCompleteApi(JobTransitionApi):
    transition = staticmethod(services.job_complete)


class JobCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Cancel a draft, open or awarded job", request=JobCancelSerializer, responses=JobSerializer)
    def post(self, request, job_id):
        job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
        serializer = JobCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.job_cancel(job=job, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(_job_body(job, request.user))


class HirerJobsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="The hirer's own jobs, optionally by status",
        parameters=[HirerJobsParamsSerializer, OpenApiParameter("page", int)],
        responses=HirerJobSerializer(many=True),
    )
    def get(self, request):
        _require_role(request.user, Role.HIRER)
        params = HirerJobsParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        jobs = selectors.hirer_jobs(hirer=request.user, status=params.validated_data["status"])
        return _paginated(request, self, jobs, HirerJobSerializer, show_private=True)


class JobApplicationsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Applicants for one of the hirer's jobs",
        operation_id="jobs_applicants_list",
        responses=ApplicationSerializer(many=True),
    )
    def get(self, request, job_id):
        job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
        return Response(ApplicationSerializer(selectors.job_applications(job=job), many=True).data)

    @extend_schema(
        summary="Apply for an open job", request=ApplicationCreateSerializer, responses={201: ApplicationSerializer}
    )
    def post(self, request, job_id):
        job = selectors.job_get_visible(job_id=job_id, user=request.user)
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.application_create(
            job=job,
            worker=request.user,
            cover_letter=serializer.validated_data["cover_letter"],
            proposed_amount=serializer.validated_data["proposed_amount_ghs"],
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class MyApplicationsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="The worker's own applications, optionally by status",
        operation_id="jobs_my_applications_list",
        parameters=[MyApplicationsParamsSerializer, OpenApiParameter("page", int)],
        responses=ApplicationSerializer(many=True),
    )
    def get(self, request):
        _require_role(request.user, Role.WORKER)
        params = MyApplicationsParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        applications = selectors.worker_applications(worker=request.user, status=params.validated_data["status"])
        return _paginated(request, self, applications, ApplicationSerializer)


class ApplicationWithdrawApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Withdraw one's own pending or shortlisted application", request=None, responses=ApplicationSerializer
    )
    def post(self, request, application_id):
        application = selectors.application_get_for_worker(application_id=application_id, worker=request.user)
        application = services.application_withdraw(application=application, worker=request.user)
        return Response(ApplicationSerializer(application).data)


class ApplicationDecisionApi(APIView):
    """POST /applications/<id>/<shortlist|accept|reject>/ as the job's hirer."""

    permission_classes = [permissions.IsAuthenticated]
    decision = None

    @extend_schema(request=None, responses=ApplicationSerializer)
    def post(self, request, application_id):
        application = selectors.application_get_for_hirer(application_id=application_id, hirer=request.user)
        application = type(self).decision(application=application, hirer=request.user)
        return Response(ApplicationSerializer(application).data)


class ApplicationShortlistApi(ApplicationDecisionApi):
    decision = staticmethod(services.application_shortlist)


class ApplicationAcceptApi(ApplicationDecisionApi):
    decision = staticmethod(services.application_accept)


class ApplicationRejectApi(ApplicationDecisionApi):
    decision = staticmethod(services.application_reject)
