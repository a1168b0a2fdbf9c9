import pytest

from tests.jobs.conftest import make_application, make_job

pytestmark = pytest.mark.django_db


def test_pages_render(client, hirer_client, worker_client, hirer, worker):
    job = make_job(hirer)
    draft = make_job(hirer, publish=False)
    make_application(job, worker)
    for url in ["/", "/jobs/", f"/jobs/{job.pk}/", "/jobs/?q=tap&trade=plumbing&sort=relevance"]:
        assert client.get(url).status_code == 200, url
    for url in [
        f"/jobs/{job.pk}/",
        f"/jobs/{job.pk}/applicants/",
        "/jobs/new/",
        f"/jobs/{draft.pk}/edit/budget/",
        f"/jobs/{draft.pk}/edit/location/",
        f"/jobs/{draft.pk}/edit/schedule/",
        f"/jobs/{draft.pk}/edit/review/",
        "/hirer/jobs/",
        "/hirer/profile/",
        "/hirer/saved-workers/",
        f"/jobs/{draft.pk}/",
    ]:
        assert hirer_client.get(url).status_code == 200, url
    for url in [f"/jobs/{job.pk}/", "/jobs/applications/"]:
        assert worker_client.get(url).status_code == 200, url
