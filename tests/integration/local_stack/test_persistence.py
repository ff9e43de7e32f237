"""The local stack's data survives a restart: snapshot → a brand-new moto → restore gives the same data back."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from smartcommune_local.moto_patches import table_items
from smartcommune_local.persistence import Persistence, is_state_write, tracking_moto_server, wipe
from smartcommune_local.template import create_resources

REGION = "ap-southeast-1"


def fresh_aws():
    session = boto3.Session(region_name=REGION)
    resources = create_resources(session, endpoint_url=None)
    return session, resources


def persistence_for(session, resources, data_dir: Path, read_items=None) -> Persistence:
    buckets = [resources.refs[k] for k in ("MediaBucket", "AuditAnchorBucket")]
    return Persistence(
        data_dir, session, None, tables=[resources.refs["MainTable"]], buckets=buckets, read_items=read_items
    )


def read_in_process(table: str) -> list[dict]:
    return table_items(table, REGION)


@pytest.mark.parametrize("read_items", [None, read_in_process], ids=["scan", "in-process"])
def test_items_and_objects_round_trip_through_a_snapshot(tmp_path: Path, read_items):
    item = {
        "PK": {"S": "C#giao-phong#CITIZEN#1"},
        "SK": {"S": "PROFILE"},
        "type": {"S": "citizen"},
        "GSI1PK": {"S": "C#giao-phong#CITIZENS"},
        "GSI1SK": {"S": "nguyen van an"},
        "name": {"S": "Nguyễn Văn An"},
        "ttl": {"N": "1900000000"},
        "photo": {"B": b"\x00\xffjpeg"},
        "tags": {"SS": ["a", "b"]},
        "extra": {"M": {"L": {"L": [{"N": "1"}, {"BOOL": True}, {"NULL": True}]}}},
    }
    # Given a table with 60 items (more than one batch) and objects in two buckets
    with mock_aws():
        session, resources = fresh_aws()
        table = resources.refs["MainTable"]
        ddb = session.client("dynamodb")
        ddb.put_item(TableName=table, Item=item)
        for i in range(59):
            ddb.put_item(TableName=table, Item={"PK": {"S": f"C#bach-long#X#{i}"}, "SK": {"S": "A"}})
        s3 = session.client("s3")
        media, anchors = resources.refs["MediaBucket"], resources.refs["AuditAnchorBucket"]
        s3.put_object(Bucket=media, Key="photos/ảnh 1.jpg", Body=b"\xff\xd8jpeg", ContentType="image/jpeg")
        s3.put_object(
            Bucket=anchors,
            Key="giao-phong/2025-03-14.json",
            Body=b'{"head": "abc"}',
            ContentType="application/json",
            Metadata={"chain-length": "42"},
        )
        # When a snapshot is taken (through Scan, or read from the emulator the stack runs in-process)
        persistence_for(session, resources, tmp_path, read_items).snapshot()
    assert (tmp_path / "state" / "snapshot.json").is_file()

    # And a brand-new moto (nothing in it) is restored from it
    with mock_aws():
        session, resources = fresh_aws()
        report = persistence_for(session, resources, tmp_path).restore()
        ddb, s3 = session.client("dynamodb"), session.client("s3")
        # Then every item is back exactly, and found through its index
        assert report.items == 60
        got = ddb.get_item(TableName=table, Key={"PK": item["PK"], "SK": item["SK"]})["Item"]
        assert got == item
        by_index = ddb.query(
            TableName=table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :p",
            ExpressionAttributeValues={":p": {"S": "C#giao-phong#CITIZENS"}},
        )
        assert by_index["Count"] == 1
        assert ddb.scan(TableName=table, Select="COUNT")["Count"] == 60
        # and every object, with its content type and metadata
        assert report.objects == 2
        photo = s3.get_object(Bucket=media, Key="photos/ảnh 1.jpg")
        assert photo["Body"].read() == b"\xff\xd8jpeg"
        assert photo["ContentType"] == "image/jpeg"
        anchor = s3.get_object(Bucket=anchors, Key="giao-phong/2025-03-14.json")
        assert json.loads(anchor["Body"].read()) == {"head": "abc"}
        assert anchor["Metadata"] == {"chain-length": "42"}


def test_a_deleted_object_is_gone_after_the_next_snapshot_and_its_blob_pruned(tmp_path: Path):
    with mock_aws():
        session, resources = fresh_aws()
        media = resources.refs["MediaBucket"]
        s3 = session.client("s3")
        persistence = persistence_for(session, resources, tmp_path)
        s3.put_object(Bucket=media, Key="a.txt", Body=b"first")
        persistence.snapshot()
        # When the object is deleted and another snapshot taken
        s3.delete_object(Bucket=media, Key="a.txt")
        persistence.snapshot()
        # Then the snapshot no longer lists it and no orphan body stays on disk
        document = json.loads((tmp_path / "state" / "snapshot.json").read_text())
        assert document["buckets"][media] == {}
        assert list((tmp_path / "state" / "blobs").iterdir()) == []


def test_autosave_snapshots_soon_after_a_change_and_once_more_on_stop(tmp_path: Path):
    with mock_aws():
        session, resources = fresh_aws()
        persistence = persistence_for(session, resources, tmp_path)
        persistence.start_autosave(interval_s=0.05)
        # When a change is marked
        session.client("s3").put_object(Bucket=resources.refs["MediaBucket"], Key="k", Body=b"v")
        persistence.mark_dirty()
        for _ in range(100):
            if persistence.snapshots_taken:
                break
            threading.Event().wait(0.02)
        # Then a snapshot follows without anyone asking
        assert persistence.snapshots_taken >= 1
        assert not persistence.dirty
        taken = persistence.snapshots_taken
        persistence.stop()
        assert persistence.snapshots_taken == taken + 1


def test_wipe_removes_the_saved_state_only(tmp_path: Path):
    (tmp_path / "state" / "blobs").mkdir(parents=True)
    (tmp_path / "state" / "snapshot.json").write_text("{}")
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "sms.jsonl").write_text("{}\n")
    (tmp_path / "notes.txt").write_text("mine")
    wipe(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def tracked_moto():
    changes: list[int] = []
    server = tracking_moto_server("127.0.0.1", free_port(), lambda: changes.append(1))
    server.start()
    host, port = server.get_host_and_port()
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    yield session, f"http://{host}:{port}", changes
    server.stop()


def test_the_moto_server_reports_writes_but_not_reads_or_queue_traffic(tracked_moto):
    session, endpoint, changes = tracked_moto
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    ddb.create_table(
        TableName="tracked",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket="tracked", CreateBucketConfiguration={"LocationConstraint": REGION})
    queue = sqs.create_queue(QueueName="tracked")["QueueUrl"]
    changes.clear()
    # When only reads and queue traffic happen
    ddb.get_item(TableName="tracked", Key={"PK": {"S": "x"}})
    ddb.scan(TableName="tracked")
    s3.list_objects_v2(Bucket="tracked")
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    sqs.receive_message(QueueUrl=queue)
    # Then nothing is marked
    assert changes == []
    # When an item and an object are written
    ddb.put_item(TableName="tracked", Item={"PK": {"S": "x"}})
    assert len(changes) == 1
    s3.put_object(Bucket="tracked", Key="k", Body=b"v")
    assert len(changes) == 2
    s3.delete_object(Bucket="tracked", Key="k")
    assert len(changes) == 3


def test_a_presigned_upload_counts_as_a_write():
    assert is_state_write({"REQUEST_METHOD": "POST", "CONTENT_TYPE": "multipart/form-data"})
    assert is_state_write(
        {
            "REQUEST_METHOD": "PUT",
            "QUERY_STRING": "X-Amz-Credential=AKIA%2F20250314%2Fap-southeast-1%2Fs3%2Faws4_request",
        }
    )
    assert not is_state_write(
        {
            "REQUEST_METHOD": "POST",
            "QUERY_STRING": "X-Amz-Credential=AKIA%2F20250314%2Fap-southeast-1%2Fsqs%2Faws4_request",
        }
    )
