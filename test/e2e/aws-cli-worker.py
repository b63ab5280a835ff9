"""Runs AWS CLI commands for the end-to-end tests, many in one Python process.

Each line on stdin is a JSON object {"args": [...], "env": {...}}; each answer on stdout is
{"code": N, "stdout": "...", "stderr": "..."}. A command runs through the CLI's own entry
point (awscli.clidriver.AWSCLIEntryPoint, what /usr/bin/aws calls), with the environment
it was given, so its argument parsing, shorthand syntax, signing, HTTP, error handling and
output are the real CLI's. What is saved is the interpreter start and the parsing of the
service models (about a second per command on this machine): the models, which are data,
are loaded once and shared. Commands run one at a time: the environment and sys.stdout are
process-wide.

Started with the interpreter of /usr/bin/aws, so it loads the same awscli package.
"""
import io
import json
import os
import sys

import awscli.clidriver as clidriver
import botocore.session

answers = sys.stdout
# awscli sets AWS_DATA_PATH when imported: each command's environment keeps it.
kept = {name: value for name, value in os.environ.items() if name == 'AWS_DATA_PATH'}

loaders = {}
create_loader = botocore.session.create_loader


def shared_loader(search_path_string=None):
    if search_path_string not in loaders:
        loaders[search_path_string] = create_loader(search_path_string)
    return loaders[search_path_string]


botocore.session.create_loader = shared_loader


def text_stream():
    # .buffer is there for commands that write binary output (fileb://, --outfile).
    return io.TextIOWrapper(io.BytesIO(), encoding='utf-8', errors='replace', write_through=True)


def run(args, env):
    os.environ.clear()
    os.environ.update(env)
    os.environ.update(kept)
    out, err = text_stream(), text_stream()
    sys.stdout, sys.stderr = out, err
    try:
        code = clidriver.AWSCLIEntryPoint().main(args)
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdout, sys.stderr = answers, sys.__stderr__
    return {
        'code': code if isinstance(code, int) else 0,
        'stdout': out.buffer.getvalue().decode('utf-8', 'replace'),
        'stderr': err.buffer.getvalue().decode('utf-8', 'replace'),
    }


for line in sys.stdin:
    request = json.loads(line)
    answers.write(json.dumps(run(request['args'], request['env'])) + '\n')
    answers.flush()
