#!/usr/bin/env bash
# The main job, locally, in one command: start the backend on Azurite, open an account, enroll
# this machine, back up a folder, list it, restore it elsewhere and compare. No Azure account.
#   bash uploader/demo.sh [FOLDER]     (default: this repository's functions/ folder)
# Everything it makes lives in a temporary folder, removed at the end; your own backend data
# (~/.local/share/backazon/local) and config (~/.config/backazon) are not touched.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
folder=$(cd "${1:-$repo/functions}" && pwd)
# Port 0: the backend takes a free port and says which in its log (nothing to collide with).
port=${BACKAZON_DEMO_PORT:-0}
work=$(mktemp -d -t backazon-demo-XXXXXX)
export BACKAZON_CONFIG_DIR="$work/config"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

backend_pid=""
cleanup() {
  if [ -n "$backend_pid" ]; then kill "$backend_pid" 2>/dev/null || true; wait "$backend_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== Building"
dotnet build "$repo/Backazon.sln" --nologo -v quiet -clp:ErrorsOnly >/dev/null
backazon() { dotnet "$repo/artifacts/bin/Backazon.Uploader/debug/backazon.dll" "$@"; }

echo "== Starting the local backend (Azurite is installed and started for you)"
dotnet "$repo/artifacts/bin/Backazon.LocalHost/debug/Backazon.LocalHost.dll" --port "$port" --data "$work/backend" >"$work/backend.log" 2>&1 &
backend_pid=$!
server=""
for _ in $(seq 120); do
  # The backend logs "Backazon local backend on http://127.0.0.1:PORT; ..." once it listens.
  server=$(grep -o 'Backazon local backend on http://[0-9.:]*' "$work/backend.log" 2>/dev/null | head -n 1 | sed 's/.* on //') || true
  if [ -n "$server" ] && [ -f "$work/backend/operator.key" ] && backazon admin login --server "$server" --key-file "$work/backend/operator.key" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$backend_pid" 2>/dev/null; then cat "$work/backend.log"; echo "The backend did not start." >&2; exit 1; fi
  sleep 0.5
done
echo "backend on $server"

echo "== Operator: an account on the personal plan, and an enrollment code"
account=$(backazon admin account create --plan personal --name "Demo" -q)
code=$(backazon admin code create "$account" -q)
echo "account $account, code $code"

echo "== This machine: enroll, back up $folder"
backazon enroll --server "$server" --code "$code" --name demo-laptop
backazon backup "$folder"
echo "== Back up again (nothing changed: nothing is read or sent)"
backazon backup "$folder"

echo "== List it"
backazon ls "$folder"
backazon status

echo "== Restore it into $work/restored and compare"
backazon restore "$folder" --to "$work/restored"
# node_modules folders are left out of backups by default (npm restores them): not compared.
if diff -r --exclude=node_modules "$folder" "$work/restored/$(basename "$folder")" >/dev/null; then
  echo "The restored copy is identical to $folder."
else
  echo "The restored copy differs!" >&2
  exit 1
fi
