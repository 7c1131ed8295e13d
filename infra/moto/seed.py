#!/usr/bin/env python3
"""Seeds a freshly started moto_server for the local stack (idempotent).

- checks that the public SSM parameter for the latest Amazon Linux 2023 AMI
  resolves to an image moto knows (moto ships it built in);
- registers a demo source AMI owned by our account, the way the notes describe:
  run an instance from AL2023, stop it, CreateImage 'demo-source-base', tag it
  Purpose=demo-source. Skipped when an image of ours with that name exists.

Talks to moto directly (MOTO_URL), not through the fidelity proxy. Uses boto3 when
importable (moto depends on it), else plain EC2 query / SSM JSON requests.
"""

import json
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

ENDPOINT = os.environ.get("MOTO_URL", "http://127.0.0.1:5000")
REGION = os.environ.get("AWS_REGION", "us-east-1")
ACCOUNT = os.environ.get("AWS_ACCOUNT_ID", "123456789012")
AL2023_PARAM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
DEMO_NAME = "demo-source-base"
DEMO_TAGS = {"Purpose": "demo-source"}


class Boto3Api:
    def __init__(self):
        import boto3

        kw = dict(endpoint_url=ENDPOINT, region_name=REGION,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
        self.ec2 = boto3.client("ec2", **kw)
        self.ssm = boto3.client("ssm", **kw)

    def get_parameter(self, name):
        return self.ssm.get_parameter(Name=name)["Parameter"]["Value"]

    def describe_images(self, ids=None, owner=None, name=None):
        kw = {}
        if ids:
            kw["ImageIds"] = ids
        if owner:
            kw["Owners"] = [owner]
        if name:
            kw["Filters"] = [{"Name": "name", "Values": [name]}]
        return [{"id": i["ImageId"], "owner": i["OwnerId"], "name": i.get("Name")}
                for i in self.ec2.describe_images(**kw)["Images"]]

    def run_instance(self, ami, tags):
        spec = [{"ResourceType": "instance", "Tags": _tag_list(tags)}]
        res = self.ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                     TagSpecifications=spec)
        return res["Instances"][0]["InstanceId"]

    def stop_instance(self, iid):
        self.ec2.stop_instances(InstanceIds=[iid])

    def terminate_instance(self, iid):
        self.ec2.terminate_instances(InstanceIds=[iid])

    def create_image(self, iid, name, description):
        return self.ec2.create_image(InstanceId=iid, Name=name, Description=description)["ImageId"]

    def tag(self, rid, tags):
        self.ec2.create_tags(Resources=[rid], Tags=_tag_list(tags))


class QueryApi:
    """The same calls over moto's wire protocols with the standard library only."""

    def _auth(self, service):
        # moto picks the backend and region from the credential scope; it does not
        # verify the signature.
        return (f"AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0")

    def _ec2(self, action, params):
        body = urllib.parse.urlencode({"Action": action, "Version": "2016-11-15", **params}).encode()
        req = urllib.request.Request(ENDPOINT + "/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Authorization": self._auth("ec2")})
        with urllib.request.urlopen(req, timeout=30) as resp:
            root = ET.fromstring(resp.read())
        for el in root.iter():  # drop namespaces
            el.tag = el.tag.split("}", 1)[-1]
        return root

    def get_parameter(self, name):
        req = urllib.request.Request(ENDPOINT + "/", data=json.dumps({"Name": name}).encode(), headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameter",
            "Authorization": self._auth("ssm")})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)["Parameter"]["Value"]

    def describe_images(self, ids=None, owner=None, name=None):
        p = {}
        for n, i in enumerate(ids or [], 1):
            p[f"ImageId.{n}"] = i
        if owner:
            p["Owner.1"] = owner
        if name:
            p.update({"Filter.1.Name": "name", "Filter.1.Value.1": name})
        root = self._ec2("DescribeImages", p)
        return [{"id": i.findtext("imageId"), "owner": i.findtext("imageOwnerId"), "name": i.findtext("name")}
                for i in root.iter("item") if i.find("imageId") is not None]

    def run_instance(self, ami, tags):
        p = {"ImageId": ami, "InstanceType": "t3.micro", "MinCount": "1", "MaxCount": "1",
             "TagSpecification.1.ResourceType": "instance"}
        for n, (k, v) in enumerate(tags.items(), 1):
            p[f"TagSpecification.1.Tag.{n}.Key"] = k
            p[f"TagSpecification.1.Tag.{n}.Value"] = v
        return next(self._ec2("RunInstances", p).iter("instanceId")).text

    def stop_instance(self, iid):
        self._ec2("StopInstances", {"InstanceId.1": iid})

    def terminate_instance(self, iid):
        self._ec2("TerminateInstances", {"InstanceId.1": iid})

    def create_image(self, iid, name, description):
        return self._ec2("CreateImage", {"InstanceId": iid, "Name": name,
                                         "Description": description}).findtext("imageId")

    def tag(self, rid, tags):
        p = {"ResourceId.1": rid}
        for n, (k, v) in enumerate(tags.items(), 1):
            p[f"Tag.{n}.Key"] = k
            p[f"Tag.{n}.Value"] = v
        self._ec2("CreateTags", p)


def _tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def main():
    try:
        api, via = Boto3Api(), "boto3"
    except ImportError:
        api, via = QueryApi(), "query API"
    print(f"seeding {ENDPOINT} region {REGION} via {via}")

    al2023 = api.get_parameter(AL2023_PARAM)
    if not api.describe_images(ids=[al2023]):
        sys.exit(f"SSM {AL2023_PARAM} -> {al2023}, but DescribeImages does not know that image")
    print(f"al2023 source: {AL2023_PARAM} -> {al2023}")

    existing = api.describe_images(owner="self", name=DEMO_NAME)
    if existing:
        print(f"demo source AMI: {existing[0]['id']} (owner {existing[0]['owner']}, already registered)")
        return

    iid = api.run_instance(al2023, {"Name": "demo-source-builder", **DEMO_TAGS})
    api.stop_instance(iid)
    ami = api.create_image(iid, DEMO_NAME, "Demo source image for the local AMI factory stack")
    api.tag(ami, DEMO_TAGS)
    api.terminate_instance(iid)
    owner = api.describe_images(ids=[ami])[0]["owner"]
    if owner != ACCOUNT:
        sys.exit(f"demo source AMI {ami} is owned by {owner}, expected {ACCOUNT}")
    print(f"demo source AMI: {ami} (name {DEMO_NAME}, owner {owner}, tag Purpose=demo-source, "
          f"built from instance {iid}, now terminated)")


if __name__ == "__main__":
    main()
