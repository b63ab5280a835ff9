"""Runs AWS API calls through boto3 for an end-to-end test, in one Python process.

Reads a JSON list of steps on stdin: {"id", "endpoint", "service", "method", "params",
"credentials": {"accessKeyId", "secretAccessKey"} or {"from": <id of an earlier AssumeRole step>}}.
Prints one JSON object: each step's id -> {"result": ...} or {"error": {"code", "message"}}.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

steps = json.load(sys.stdin)
results = {}
config = Config(retries={"max_attempts": 1})
for step in steps:
    creds = step["credentials"]
    if "from" in creds:
        issued = results[creds["from"]]["result"]["Credentials"]
        keys = {"aws_access_key_id": issued["AccessKeyId"], "aws_secret_access_key": issued["SecretAccessKey"], "aws_session_token": issued["SessionToken"]}
    else:
        keys = {"aws_access_key_id": creds["accessKeyId"], "aws_secret_access_key": creds["secretAccessKey"]}
    client = boto3.client(step["service"], endpoint_url=step["endpoint"], region_name="us-east-1", config=config, **keys)
    try:
        answer = getattr(client, step["method"])(**step.get("params", {}))
        answer.pop("ResponseMetadata", None)
        results[step["id"]] = {"result": answer}
    except ClientError as error:
        results[step["id"]] = {"error": {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}}
print(json.dumps(results, default=str))
