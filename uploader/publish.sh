#!/usr/bin/env bash
# Builds the single-file, self-contained `backazon` that customers download: one file per OS,
# no .NET needed on their machine. Usage: uploader/publish.sh [RID...] (default: all below).
# Output: artifacts/publish/<rid>/backazon (backazon.exe on Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rids=("$@")
if [ ${#rids[@]} -eq 0 ]; then
  rids=(linux-x64 linux-arm64 osx-arm64 osx-x64 win-x64)
fi

for rid in "${rids[@]}"; do
  echo "== $rid"
  # IncludeNativeLibrariesForSelfExtract: SQLite's native library goes inside the one file too
  # (otherwise it lies beside it, and a copied `backazon` alone would not start); compression
  # halves the download for a few tens of milliseconds at start.
  dotnet publish uploader/Backazon.Uploader -c Release -r "$rid" --self-contained \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=true -p:DebugType=none \
    -o "artifacts/publish/$rid"
done

ls -l "${rids[@]/#/artifacts/publish/}"
