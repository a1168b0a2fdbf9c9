"""Public job search: filters, sorting, keyword matching, visibility and query counts."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from apps.jobs import selectors, services
from apps.jobs.models import Job
from apps.jobs.selectors import JobSearch
from tests.jobs.conftest import make_job, page_query_count

pytestmark = pytest.mark.django_db


def titles(search: JobSearch) -> list[str]:
    return [job.title for job in selectors.job_search(search=search)]


@pytest.fixture
def catalogue(hirer):
    make_job(
        hirer,
        title="Roof repair after storm",
        trade="carpentry",
        region="ashanti",
        town="Kumasi",
        budget_min=120000,
        budget_max=120000,
        description="Replace broken roofing sheets and rafters.",
    )
    make_job(
        hirer,
        title="Wire a new shop",
        trade="electrical",
        region="greater-accra",
        town="Tema",
        budget_type="range",
        budget_min=50000,
        budget_max=90000,
        description="Sockets, lights and a meter.",
    )
    make_job(
        hirer,
        title="Tile the kitchen floor",
        trade="tiling",
        region="greater-accra",
        town="Madina",
        budget_min=30000,
        budget_max=30000,
        description="About 20 square metres; the roof is fine.",
    )
    make_job(hirer, title="Draft never shown", trade="tiling", publish=False)
    cancelled = make_job(hirer, title="Cancelled roof job", trade="carpentry")
    services.job_cancel(job=cancelled, actor=hirer)


def test_search_lists_only_open_jobs(catalogue):
    found = titles(JobSearch())

    assert sorted(found) == ["Roof repair after storm", "Tile the kitchen floor", "Wire a new shop"]


def test_search_newest_first(catalogue):
    assert titles(JobSearch()) == ["Tile the kitchen floor", "Wire a new shop", "Roof repair after storm"]


def test_search_by_trade(catalogue):
    assert titles(JobSearch(trade="electrical")) == ["Wire a new shop"]


def test_search_by_region(catalogue):
    assert sorted(titles(JobSearch(region="greater-accra"))) == ["Tile the kitchen floor", "Wire a new shop"]


def test_search_budget_overlap(catalogue):
    assert titles(JobSearch(budget_min=80000)) == ["Wire a new shop", "Roof repair after storm"]
    assert titles(JobSearch(budget_max=40000)) == ["Tile the kitchen floor"]
    assert titles(JobSearch(budget_min=60000, budget_max=100000)) == ["Wire a new shop"]


def test_search_sort_by_budget(catalogue):
    assert titles(JobSearch(sort="budget_high")) == [
        "Roof repair after storm",
        "Wire a new shop",
        "Tile the kitchen floor",
    ]
    assert titles(JobSearch(sort="budget_low")) == [
        "Tile the kitchen floor",
        "Wire a new shop",
        "Roof repair after storm",
    ]


def test_search_keyword_matches_title_and_description(catalogue):
    assert sorted(titles(JobSearch(q="roof"))) == ["Roof repair after storm", "Tile the kitchen floor"]


def test_search_relevance_puts_title_matches_first(catalogue):
    assert titles(JobSearch(q="roof", sort="relevance")) == ["Roof repair after storm", "Tile the kitchen floor"]


def test_search_keyword_with_no_match(catalogue):
    assert titles(JobSearch(q="welding")) == []


def test_search_relevance_without_keyword_falls_back_to_newest(catalogue):
    assert titles(JobSearch(sort="relevance")) == titles(JobSearch())


@pytest.mark.postgres
def test_search_uses_stemming_on_postgres(catalogue):
    assert titles(JobSearch(q="repairing roofs")) == ["Roof repair after storm"]


@pytest.mark.postgres
def test_search_vector_matches_the_gin_index(hirer):
    # On a tiny table the planner prefers the status index, so query the vector alone:
    # the point is that the selector's expression is the one the index was built on.
    make_job(hirer, description="Plaster and paint a wall.")
    query = SearchQuery("plaster", search_type="websearch", config=selectors.SEARCH_CONFIG)
    jobs = Job.objects.annotate(search=selectors.search_vector()).filter(search=query).order_by().values("pk")
    with connection.cursor() as cursor:
        # With plain scans off, only a bitmap scan on the GIN index can answer the match.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = jobs.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "job_search_vector_gin" in plan


@pytest.mark.parametrize("count", [5, 50])
def test_search_page_query_count_is_fixed(client, hirer, count, django_assert_max_num_queries):
    for number in range(count):
        make_job(hirer, title=f"Paint house {number}")

    # The bound covers the page's own queries plus the modules layer's periodic reads.
    with django_assert_max_num_queries(12):
        response = client.get("/jobs/", {"q": "paint", "sort": "relevance"})

    assert response.status_code == 200
    assert response.content.count(b'class="card job-card"') == min(count, 20)


@pytest.mark.parametrize("count", [5, 50])
def test_home_query_count_is_fixed(client, hirer, count, django_assert_max_num_queries):
    for number in range(count):
        make_job(hirer, title=f"Paint house {number}")

    with django_assert_max_num_queries(12):
        response = client.get("/")

    assert response.status_code == 200


def test_trade_and_region_counts_cover_open_jobs_only(catalogue):
    trades = {value: count for value, _label, count in selectors.open_job_counts_by_trade()}
    regions = {value: count for value, _label, count in selectors.open_job_counts_by_region()}

    assert trades["carpentry"] == 1
    assert trades["tiling"] == 1
    assert trades["welding"] == 0
    assert regions["greater-accra"] == 2
    assert len(regions) == 16


def test_visible_detail_hides_drafts_and_cancelled_from_others(hirer, stranger):
    draft = make_job(hirer, publish=False)
    cancelled = services.job_cancel(job=make_job(hirer), actor=hirer)

    for job in (draft, cancelled):
        assert selectors.job_get_visible(job_id=job.pk, user=hirer) == job
        with pytest.raises(selectors.NotFound):
            selectors.job_get_visible(job_id=job.pk, user=stranger)


def test_search_query_count_does_not_grow_with_rows(client, hirer):

    make_job(hirer, title="Paint house first")
    few = page_query_count(client, "/jobs/?q=paint")
    for number in range(30):
        make_job(hirer, title=f"Paint house {number}")

    assert page_query_count(client, "/jobs/?q=paint") == few


def test_search_filters_show_open_job_counts(client, catalogue):
    body = client.get("/jobs/").content.decode()

    assert "Carpentry and joinery (1)" in body
    assert "Greater Accra (2)" in body
    assert "Welding and fabrication (0)" in body
