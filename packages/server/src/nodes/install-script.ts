/**
 * The install script the server serves at /bosun/v1/agent/install.sh:
 *   curl -fsSL $ENDPOINT/bosun/v1/agent/install.sh | sudo sh -s -- --code CODE --id ID [--tags Role=web,env=prod]
 * It downloads the agent bundle, checks its SHA-256 (baked into the script by the server),
 * installs it with a systemd unit, and registers the node, with the tags given (bootstrap on
 * launch: they are the node's from its registration, before its first heartbeat).
 */
export function installScript(input: { endpoint: string; sha256: string }): string {
  return `#!/bin/sh
# Bosun agent installer, served by ${input.endpoint}
set -eu
ENDPOINT='${input.endpoint}'
SHA256='${input.sha256}'
CODE=''
ID=''
TAGS=''
PREFIX="\${BOSUN_PREFIX:-/opt/bosun}"
STATE_DIR="\${BOSUN_STATE_DIR:-/var/lib/bosun-agent}"
while [ $# -gt 0 ]; do
  case "$1" in
    --code) CODE="$2"; shift 2 ;;
    --id) ID="$2"; shift 2 ;;
    --tags) TAGS="$2"; shift 2 ;;
    --endpoint) ENDPOINT="$2"; shift 2 ;;
    *) echo "bosun install: unknown option $1 (use --code CODE --id ID [--tags K=V,...])" >&2; exit 2 ;;
  esac
done
[ -n "$CODE" ] && [ -n "$ID" ] || { echo "bosun install: --code and --id are required (from aws ssm create-activation)" >&2; exit 2; }
command -v node >/dev/null 2>&1 || { echo "bosun install: Node.js 20 or newer is required (apt-get install nodejs)" >&2; exit 1; }
mkdir -p "$PREFIX"
TMP="$PREFIX/bosun-agent.cjs.download"
if command -v curl >/dev/null 2>&1; then curl -fsSL "$ENDPOINT/bosun/v1/agent/bosun-agent.cjs" -o "$TMP"; else wget -qO "$TMP" "$ENDPOINT/bosun/v1/agent/bosun-agent.cjs"; fi
GOT=$(sha256sum "$TMP" | cut -d' ' -f1)
if [ "$GOT" != "$SHA256" ]; then rm -f "$TMP"; echo "bosun install: checksum mismatch (expected $SHA256, got $GOT): not installed" >&2; exit 1; fi
mv "$TMP" "$PREFIX/bosun-agent.cjs"
chmod 0755 "$PREFIX/bosun-agent.cjs"
mkdir -p "$STATE_DIR"
chmod 0700 "$STATE_DIR"
if [ -n "$TAGS" ]; then
  node "$PREFIX/bosun-agent.cjs" register --endpoint "$ENDPOINT" --code "$CODE" --id "$ID" --state-dir "$STATE_DIR" --tags "$TAGS"
else
  node "$PREFIX/bosun-agent.cjs" register --endpoint "$ENDPOINT" --code "$CODE" --id "$ID" --state-dir "$STATE_DIR"
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  curl -fsSL "$ENDPOINT/bosun/v1/agent/bosun-agent.service" -o /etc/systemd/system/bosun-agent.service 2>/dev/null \\
    || wget -qO /etc/systemd/system/bosun-agent.service "$ENDPOINT/bosun/v1/agent/bosun-agent.service"
  systemctl daemon-reload
  systemctl enable --now bosun-agent.service
  echo "bosun: agent installed and started (systemctl status bosun-agent)"
else
  echo "bosun: agent installed; no systemd here: run it with: node $PREFIX/bosun-agent.cjs run --state-dir $STATE_DIR"
fi
`;
}

/**
 * The systemd unit: exit status 4 means "deregistered", which restarting cannot fix. An update
 * (aws:updateSsmAgent) replaces /opt/bosun/bosun-agent.cjs in place and hands over to it from
 * the running process, so the unit never changes.
 */
export function systemdUnit(): string {
  return `[Unit]
Description=Bosun agent (managed node)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=/usr/bin/env node /opt/bosun/bosun-agent.cjs run --state-dir /var/lib/bosun-agent
Restart=on-failure
RestartSec=5
RestartPreventExitStatus=4
StateDirectory=bosun-agent
StateDirectoryMode=0700

[Install]
WantedBy=multi-user.target
`;
}
