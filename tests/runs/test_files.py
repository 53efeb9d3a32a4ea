from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from runs.files import DEFAULT_COLUMNS, write_rows
from runs.storage import UploadError, s3_target, upload_file

ROWS = [
    {
        "customer_id": "c1",
        "offer_name": '=HYPERLINK("x")',
        "channel": "Email",
        "score": 0.5,
        "creative": "+1",
        "rank": 1,
    },
    {
        "customer_id": "c2",
        "offer_name": "Gold Card",
        "channel": "@SMS",
        "score": -0.25,
        "creative": "\tTab",
        "rank": 2,
    },
    {
        "customer_id": "c3",
        "offer_name": "-10%",
        "channel": "Voice",
        "score": 1.0,
        "creative": "\rCR",
        "rank": 1,
    },
]


def test_csv_has_exactly_the_columns_in_order_and_escapes_formulas(tmp_path: Path) -> None:
    written = write_rows(
        tmp_path / "out.csv",
        ROWS,
        columns=["rank", "customer_id", "offer_name", "creative", "channel", "score"],
        fmt="csv",
    )
    with open(written.path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["rank", "customer_id", "offer_name", "creative", "channel", "score"]
    assert rows[1] == ["1", "c1", '\'=HYPERLINK("x")', "'+1", "Email", "0.5"]
    assert rows[2][3] == "'\tTab" and rows[2][4] == "'@SMS"
    assert rows[2][5] == "-0.25", "numbers are not escaped"
    assert rows[3][2] == "'-10%" and rows[3][3] == "'\rCR"
    assert written.rows == 3 and written.size == written.path.stat().st_size


def test_json_has_exactly_the_columns(tmp_path: Path) -> None:
    written = write_rows(tmp_path / "out.json", ROWS, columns=list(DEFAULT_COLUMNS), fmt="json")
    data = json.loads(written.path.read_text())
    assert [list(row) for row in data] == [list(DEFAULT_COLUMNS)] * 3
    assert data[0]["offer_name"] == '=HYPERLINK("x")', "JSON is not a spreadsheet: no escaping"


def test_empty_outputs_are_valid(tmp_path: Path) -> None:
    assert (
        json.loads(
            write_rows(
                tmp_path / "e.json", [], columns=["customer_id"], fmt="json"
            ).path.read_text()
        )
        == []
    )
    assert (
        write_rows(tmp_path / "e.csv", [], columns=["customer_id"], fmt="csv").path.read_bytes()
        == b"customer_id\r\n"
    )


def test_same_rows_give_byte_identical_files(tmp_path: Path) -> None:
    a = write_rows(tmp_path / "a.csv", ROWS, columns=list(DEFAULT_COLUMNS), fmt="csv")
    b = write_rows(tmp_path / "b.csv", ROWS, columns=list(DEFAULT_COLUMNS), fmt="csv")
    assert a.sha256 == b.sha256 and a.path.read_bytes() == b.path.read_bytes()


def test_s3_path_template_expands() -> None:
    when = datetime(2026, 3, 5, tzinfo=UTC)
    assert s3_target(
        "s3://bkt/campaigns/{campaign_id}/{run_date}/",
        campaign_id="cmp_1",
        run_id="run_9",
        run_date=when,
        fmt="csv",
    ) == (
        "bkt",
        "campaigns/cmp_1/2026-03-05/run_9.csv",
    )
    assert s3_target(
        "s3://bkt/x/{run_id}.json", campaign_id="c", run_id="r", run_date=when, fmt="json"
    ) == ("bkt", "x/r.json")
    with pytest.raises(UploadError):
        s3_target("https://bkt/x/", campaign_id="c", run_id="r", run_date=when, fmt="csv")


def test_upload_to_an_s3_compatible_server(tmp_path: Path, s3: Any) -> None:
    s3.create_bucket(Bucket="nudge-out")
    written = write_rows(tmp_path / "f.csv", ROWS, columns=list(DEFAULT_COLUMNS), fmt="csv")
    url = upload_file(written.path, bucket="nudge-out", key="runs/f.csv")
    assert url == "s3://nudge-out/runs/f.csv"
    assert (
        s3.get_object(Bucket="nudge-out", Key="runs/f.csv")["Body"].read()
        == written.path.read_bytes()
    )


def test_upload_failure_is_an_upload_error(tmp_path: Path, s3: Any) -> None:
    written = write_rows(tmp_path / "f.csv", ROWS, columns=list(DEFAULT_COLUMNS), fmt="csv")
    with pytest.raises(UploadError, match="no-such-bucket"):
        upload_file(written.path, bucket="no-such-bucket", key="f.csv")
