"""Runs AWS API calls through boto3 for an end-to-end test, in one Python process.

Reads a JSON list of steps on stdin: {"id", "endpoint", "service", "method", "params",
"credentials": {"accessKeyId", "secretAccessKey"} or {"from": <id of an earlier AssumeRole step>},
"region" (optional, default us-east-1)}. A parameter value {"fromStep": <id>, "path": [keys]} is
replaced by that value of an earlier step's answer, as boto3 returned it (bytes stay bytes).
Prints one JSON object: each step's id -> {"result": ...} or {"error": {"code", "message"}};
bytes in results are printed base64-encoded.
"""
import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

steps = json.load(sys.stdin)
answers = {}
raw = {}
config = Config(retries={"max_attempts": 1})


def resolve(value):
    if isinstance(value, dict) and "fromStep" in value:
        found = raw[value["fromStep"]]
        for key in value["path"]:
            found = found[key]
        return found
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def printable(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


for step in steps:
    creds = step["credentials"]
    if "from" in creds:
        issued = raw[creds["from"]]["Credentials"]
        keys = {"aws_access_key_id": issued["AccessKeyId"], "aws_secret_access_key": issued["SecretAccessKey"], "aws_session_token": issued["SessionToken"]}
    else:
        keys = {"aws_access_key_id": creds["accessKeyId"], "aws_secret_access_key": creds["secretAccessKey"]}
    client = boto3.client(step["service"], endpoint_url=step["endpoint"], region_name=step.get("region", "us-east-1"), config=config, **keys)
    try:
        answer = getattr(client, step["method"])(**resolve(step.get("params", {})))
        answer.pop("ResponseMetadata", None)
        raw[step["id"]] = answer
        answers[step["id"]] = {"result": answer}
    except ClientError as error:
        answers[step["id"]] = {"error": {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}}
print(json.dumps(answers, default=printable))
