"""A moto_server for the retention benchmark (bench/retention.bench.ts), seeded before it serves.

Run with the project's moto virtualenv (.stack/moto/venv/bin/python): it fills moto's EC2
backends in this process with the images the platform would have made, prints one JSON line
({"event": "seeded", ...}) and then serves exactly as `moto_server -H <host> -p <port>` does.

Why in-process and not through the API: moto's RegisterImage ignores BlockDeviceMappings and
TagSpecifications, and every image moto makes gets one auto-created 15 GiB snapshot stamped
"now". Through the API the seed would need RegisterImage + DescribeImages + CreateTags per
batch and still could not give the images their ages (CreationDate) or their snapshots their
sizes, which an "older than N days" policy needs. Here the same backend calls moto's handlers
make (register_image, create_tags) build the images; then each image's creation date and its
snapshot's start time and volume size are set. Nothing else of moto is changed, apart from
one fidelity mend: an image's block device mapping shows its snapshot's size (moto reports 15).

Layout, for --images N over R regions and F families: N/R images per region; image j of a
region belongs to family j % F and is that family's version j // F. The same family+version
exists in every region (a copy, as the replicator makes them), with the same name
(ami-factory/<family>/<version>) and tags ami-factory:family and ami-factory:version on the
image and its snapshot. Versions are spread evenly over the last --span-days days (the newest
today), snapshot sizes over 8-30 GiB.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

FAMILY_TAG = "ami-factory:family"
VERSION_TAG = "ami-factory:version"


def mend_block_device_mappings() -> None:
    """An image's mapping shows the size of its snapshot's volume (moto hard-codes 15 GiB)."""

    def block_device_mappings(self: Ami) -> list[dict]:
        return [
            {
                "DeviceName": self.root_device_name,
                "Ebs": {
                    "SnapshotId": self.ebs_snapshot.id,
                    "VolumeSize": self.ebs_snapshot.volume.size,
                    "DeleteOnTermination": True,
                    "VolumeType": "gp3",
                },
            }
        ]

    Ami.block_device_mappings = property(block_device_mappings)  # type: ignore[assignment]


def mend_tag_lookup() -> None:
    """A resource's tags by its id (moto scans every tag in the region for each resource).

    moto answers describe_tags(resource-id=<id>) for each image and snapshot it serializes,
    and that call walks all the region's tags: quadratic, so a DescribeImages of 1,000 tagged
    images took 4-5 s and one of 25,000 would take hours. Same answer, looked up directly.
    """

    def get_tags(self: TaggedEC2Resource) -> list[dict[str, str]]:
        resource_id = getattr(self, "id", None)
        tags = self.ec2_backend.tags.get(resource_id) if resource_id else None  # type: ignore[attr-defined]
        if not tags:
            return []
        resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
        return [
            {"resource_id": resource_id, "key": k, "value": v, "resource_type": resource_type}
            for k, v in tags.items()
        ]

    TaggedEC2Resource.get_tags = get_tags  # type: ignore[method-assign]


class DescribeCache:
    """Keeps moto's answers to DescribeImages/DescribeSnapshots until anything may change them.

    The fidelity proxy pages DescribeImages itself: for every page it asks moto for the whole
    list again (moto ignores MaxResults), and moto spends about 1.1 ms of Python per image on
    its answer. A scan of 25,000 images per region in pages of 1,000 would make moto render
    the full list 25 times per region (about 28 s each): an artifact of the emulator pair that
    EC2 does not have. With the cache moto renders each distinct query once; the benchmark
    clears it (DELETE /_bench/cache) before each tool's run, so each pays its own renders.
    Any request other than a Describe/Get/List clears it too, and so does /moto-api/*.
    GET /_bench/cache gives {enabled, entries, hits, misses, renderSeconds}: misses are moto's
    renders (counted with the cache off too), renderSeconds the sum of their wall times (renders
    that run at once share one Python interpreter, so each takes longer).
    """

    CACHED = {"DescribeImages", "DescribeSnapshots"}
    READ_ONLY = re.compile(r"^(Describe|Get|List)")
    REGION = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/")

    def __init__(self, app, enabled: bool) -> None:
        self.app = app
        self.enabled = enabled
        self.lock = threading.Lock()
        self.keys: dict[tuple, threading.Lock] = {}
        self.entries: dict[tuple, tuple[str, list, bytes]] = {}
        self.stats = {"hits": 0, "misses": 0, "renderSeconds": 0.0}

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.stats = {"hits": 0, "misses": 0, "renderSeconds": 0.0}

    def _json(self, start_response, body: dict):
        data = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_bench/cache":
            if environ["REQUEST_METHOD"] == "DELETE":
                self.clear()
            with self.lock:
                return self._json(start_response, {"enabled": self.enabled, "entries": len(self.entries), **self.stats})
        if path.startswith("/moto-api"):
            self.clear()
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = (parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]
        if not self.READ_ONLY.match(action):
            self.clear()
        if action not in self.CACHED:
            return self.app(environ, start_response)
        if not self.enabled:  # still counted, so both modes report moto's renders
            started = time.perf_counter()
            data = b"".join(self.app(environ, start_response))
            with self.lock:
                self.stats["misses"] += 1
                self.stats["renderSeconds"] += time.perf_counter() - started
            return [data]
        region = self.REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        key = (environ.get("HTTP_X_MOTO_ACCOUNT_ID", ""), region.group(1) if region else "", body)
        with self.lock:
            key_lock = self.keys.setdefault(key, threading.Lock())
        with key_lock:  # one render per query even when its pages arrive at once
            with self.lock:
                cached = self.entries.get(key)
                if cached:
                    self.stats["hits"] += 1
            if not cached:
                started = time.perf_counter()
                captured: dict = {}

                def capture(status, headers, exc_info=None):
                    captured.update(status=status, headers=headers)

                data = b"".join(self.app(environ, capture))
                cached = (captured["status"], captured["headers"], data)
                with self.lock:
                    self.stats["misses"] += 1
                    self.stats["renderSeconds"] += time.perf_counter() - started
                    if captured["status"].startswith("200"):
                        self.entries[key] = cached
        status, headers, data = cached
        start_response(status, headers)
        return [data]


def seed(args: argparse.Namespace) -> dict:
    regions = [r for r in args.regions.split(",") if r]
    per_region = args.images // len(regions)
    versions = -(-per_region // args.families)  # ceil
    now = utcnow()
    step = timedelta(days=args.span_days / max(1, versions))
    cutoff = now - timedelta(days=args.days)
    # version v of a family: its date (oldest first), name and snapshot size
    version_names: list[str] = []
    dates: list[datetime] = []
    per_day: dict[str, int] = {}
    for v in range(versions):
        created = now - step * (versions - 1 - v) - timedelta(minutes=5)
        day = created.strftime("%Y.%m.%d")
        per_day[day] = per_day.get(day, 0) + 1
        version_names.append(f"{day}-{per_day[day]}")
        dates.append(created)

    started = time.perf_counter()
    summary: dict = {"regions": {}, "olderThanDays": args.days, "olderThan": 0}
    for region in regions:
        region_started = time.perf_counter()
        backend = ec2_backends[args.account][region]
        backend.describe_images(owners=["self"])  # loads moto's default (amazon) images first
        gib = 0
        for j in range(per_region):
            family = f"bench-family-{j % args.families:03d}"
            v = j // args.families
            version = version_names[v]
            # family offsets keep creation times distinct across families of one version
            created = dates[v] - timedelta(seconds=(j % args.families) * 7)
            ami = backend.register_image(
                name=f"ami-factory/{family}/{version}",
                description=f"{family} {version}, built by ami-factory (retention bench)",
            )
            ami.creation_date = created
            ami.architecture = "x86_64"
            ami.virtualization_type = "hvm"
            ami.root_device_type = "ebs"
            ami.root_device_name = "/dev/xvda"
            snapshot = ami.ebs_snapshot
            snapshot.start_time = created
            snapshot.description = f"Created by CreateImage for {ami.id}"
            size = 8 + (j * 7 + v * 3) % 23
            snapshot.volume.size = size
            gib += size
            backend.create_tags(
                [ami.id, snapshot.id], {FAMILY_TAG: family, VERSION_TAG: version}
            )
            if created < cutoff:
                summary["olderThan"] += 1
        summary["regions"][region] = {
            "images": per_region,
            "snapshotGiB": gib,
            "seconds": round(time.perf_counter() - region_started, 2),
        }
    summary.update(
        event="seeded",
        images=per_region * len(regions),
        families=args.families,
        familyNames=[f"bench-family-{f:03d}" for f in range(min(args.families, per_region))],
        versionsPerFamily=versions,
        spanDays=args.span_days,
        account=args.account,
        seconds=round(time.perf_counter() - started, 2),
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument(
        "--regions", default="us-east-1,us-west-2,eu-west-1,eu-central-1"
    )
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--span-days", type=float, default=720)
    parser.add_argument(
        "--days", type=float, default=180, help="report how many are older than this"
    )
    parser.add_argument("--account", default="123456789012")
    parser.add_argument(
        "--no-cache", action="store_true", help="serve every Describe from moto (see DescribeCache)"
    )
    args = parser.parse_args()
    mend_block_device_mappings()
    mend_tag_lookup()
    print(json.dumps(seed(args)), flush=True)
    # what moto_server -H host -p port runs, behind the describe cache
    app = DescribeCache(DomainDispatcherApplication(create_backend_app), not args.no_cache)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    sys.exit(main())
