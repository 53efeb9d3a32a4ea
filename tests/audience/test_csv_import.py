"""CSV import: the streaming service, the management command and the admin upload page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audience.csv_import import ImportProgress, import_customers_csv
from audience.models import Customer, ImportJob
from core.errors import InvalidInput
from core.models import AuditLog
from tests.audience.factories import make_customer

GOOD = (
    "externalId,email,phone,first_name,lastName,country,timezone,attributes,"
    "attributes.age,attributes.zip,attributes.vip,attributes.score\n"
    'C-1,ada@example.com,+47 912 34 567,Ada,Lovelace,no,Europe/Oslo,"{""tier"": ""gold""}",36,0150,true,0.5\n'
    "C-2,grace@example.com,,Grace,Hopper,US,America/New_York,,,,,\n"
)


def run(tenant: Any, text: str, **kwargs: Any) -> Any:
    data = text.encode()
    return import_customers_csv(
        tenant=tenant, stream=io.BytesIO(data), total_bytes=len(data), **kwargs
    )


def test_rows_are_created_with_typed_attributes(personas: Any) -> None:
    report = run(personas.tenant_a, GOOD)
    assert (report.rows, report.created, report.error_count) == (2, 2, 0)
    ada = Customer.objects.get(tenant=personas.tenant_a, external_id="C-1")
    assert (ada.phone, ada.country, ada.first_name) == ("+4791234567", "NO", "Ada")
    assert ada.attributes == {"tier": "gold", "age": 36, "zip": "0150", "vip": True, "score": 0.5}
    grace = Customer.objects.get(tenant=personas.tenant_a, external_id="C-2")
    assert grace.phone is None and grace.attributes == {}
    assert AuditLog.objects.filter(entity_type="customer", action="create").count() == 2


def test_bad_rows_are_skipped_and_reported_with_their_line(personas: Any) -> None:
    text = (
        "externalId,email,country,attributes\n"
        "OK-1,ok@example.com,NO,\n"
        ",missing@example.com,NO,\n"
        "BAD-2,not-an-email,NO,\n"
        "BAD-3,x@example.com,Norway,\n"
        'BAD-4,x@example.com,NO,"[1, 2]"\n'
        "BAD-5,x@example.com,NO,{oops\n"
        "OK-2,ok2@example.com,SE,\n"
    )
    report = run(personas.tenant_a, text)
    assert (report.rows, report.created, report.error_count) == (7, 2, 5)
    by_line = {e["line"]: e for e in report.errors}
    assert set(by_line) == {3, 4, 5, 6, 7}
    assert "externalId" in by_line[3]["details"]
    assert "email" in by_line[4]["details"] and by_line[4]["externalId"] == "BAD-2"
    assert "country" in by_line[5]["details"]
    assert "attributes" in by_line[6]["details"] and "attributes" in by_line[7]["details"]
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"OK-1", "OK-2"}


def test_reimport_updates_changed_rows_only_and_last_duplicate_wins(personas: Any) -> None:
    make_customer(
        personas.tenant_a, external_id="C-1", email="old@example.com", attributes={"a": 1}
    )
    text = "externalId,email,attributes.b\nC-1,first@example.com,2\nC-9,n@example.com,\nC-1,last@example.com,3\n"
    report = run(personas.tenant_a, text)
    assert (report.created, report.updated, report.duplicates) == (1, 1, 1)
    customer = Customer.objects.get(external_id="C-1")
    assert customer.email == "last@example.com" and customer.attributes["b"] == 3
    assert customer.attributes["a"] == 1
    again = run(personas.tenant_a, "externalId,email\nC-1,last@example.com\nC-9,n@example.com\n")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_progress_is_reported_per_batch(personas: Any) -> None:
    lines = ["externalId,email"] + [f"P-{i},p{i}@example.com" for i in range(250)]
    seen: list[ImportProgress] = []
    report = run(
        personas.tenant_a, "\n".join(lines) + "\n", batch_rows=100, on_progress=seen.append
    )
    assert report.created == 250
    assert len(seen) >= 3
    assert seen[-1].rows == 250 and seen[-1].percent == 100.0
    assert [p.created for p in seen] == sorted(p.created for p in seen)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "file"),
        ("email,country\nx@example.com,NO\n", "externalId"),
        ("externalId,shoe_size\nA,42\n", "shoe_size"),
        ("externalId,email,email\nA,a@example.com,b@example.com\n", "email"),
        ("externalId,attributes.bad key\nA,1\n", "attributes.bad key"),
    ],
)
def test_a_bad_header_fails_before_anything_is_written(
    personas: Any, text: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        run(personas.tenant_a, text)
    assert field in caught.value.details
    assert not Customer.objects.exists()


def test_non_utf8_rows_are_reported(personas: Any) -> None:
    data = b"externalId,email\nA,a@example.com\n" + b"B,\xff\xfe@example.com\n"
    report = import_customers_csv(tenant=personas.tenant_a, stream=io.BytesIO(data))
    assert report.error_count == 1 and "file" in report.errors[0]["details"]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_merge_on_a_second_connection(personas: Any) -> None:
    lines = ["externalId,attributes.n"] + [f"T-{i},{i}" for i in range(1_000)]
    report = run(personas.tenant_a, "\n".join(lines), batch_rows=300)
    assert (report.created, report.error_count) == (1_000, 0)
    assert Customer.objects.filter(tenant=personas.tenant_a).count() == 1_000


def test_management_command_shows_progress(personas: Any, tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(GOOD)
    call_command("import_customers", str(path), "--tenant", personas.tenant_a.slug)
    out, err = capsys.readouterr()
    assert "2 rows" in out and "2 created" in out
    assert "100.0%" in err and "#" in err
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), "--tenant", "nope")
    with pytest.raises(CommandError):
        call_command("import_customers", str(tmp_path / "missing.csv"), "--tenant", "tenant-a")


def test_admin_upload_runs_a_job_with_a_progress_page(
    personas: Any,
    django_user_model: Any,
    client: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    staff = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(staff)
    page = client.get("/admin/audience/importjob/upload/")
    assert page.status_code == 200 and b"Upload customers CSV" in page.content
    upload = io.BytesIO(GOOD.encode())
    upload.name = "customers.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/audience/importjob/upload/", {"tenant": personas.tenant_a.pk, "file": upload}
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"].endswith(f"/admin/audience/importjob/{job.pk}/change/")
    assert job.status == "completed" and job.created_count == 2 and job.percent == 100
    assert Customer.objects.filter(tenant=personas.tenant_a).count() == 2
    progress = client.get(f"/admin/audience/importjob/{job.pk}/progress/").json()
    assert progress["status"] == "completed" and progress["percent"] == 100
    change = client.get(response["Location"])
    assert change.status_code == 200 and b"<progress" in change.content
    listing = client.get("/admin/audience/importjob/")
    assert b"Upload customers CSV" in listing.content


def test_admin_pages_render(personas: Any, django_user_model: Any, client: Any) -> None:
    from tests.audience.factories import make_segment

    staff = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(staff)
    customer = make_customer(personas.tenant_a)
    segment = make_segment(personas.tenant_a)
    for url in (
        "/admin/audience/customer/",
        f"/admin/audience/customer/{customer.pk}/change/",
        "/admin/audience/segment/",
        f"/admin/audience/segment/{segment.pk}/change/",
        "/admin/audience/segment/add/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        "/admin/audience/segment/add/",
        {
            "tenant": personas.tenant_a.pk,
            "name": "From admin",
            "description": "",
            "segment_type": "rule",
            "combinator": "AND",
            "filters": '[{"field": "attributes.tier", "operator": "eq", "value": "gold"}]',
        },
    )
    assert response.status_code == 302, response.content[:2000]
    from audience.models import Segment

    created = Segment.objects.get(name="From admin")
    from tests.audience.test_segments import view_exists

    assert view_exists(created.view_name)
    bad = client.post(
        "/admin/audience/segment/add/",
        {
            "tenant": personas.tenant_a.pk,
            "name": "Bad",
            "segment_type": "rule",
            "combinator": "AND",
            "filters": '[{"field": "no such", "operator": "eq", "value": 1}]',
        },
    )
    assert bad.status_code == 200 and b"filters[0].field" in bad.content
