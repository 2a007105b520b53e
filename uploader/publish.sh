#!/usr/bin/env bash
# Builds the single-file, self-contained `backazon` that customers download: one file per OS,
# no .NET needed on their machine. Usage: uploader/publish.sh [RID...] (default: all below).
# Output: artifacts/publish/<rid>/backazon (backazon.exe on Windows).
# With --upload ACCOUNT first, each build is also put in that storage account's `uploader`
# container as <rid>/backazon (Azure CLI, signed in with `az login`; the data account of an
# `azd up` is DATA_STORAGE_ACCOUNT_NAME in `azd env get-values`; uploading takes a Storage Blob
# Data Contributor role on it, as main.bicep's grantDeployerDataAccess gives), where the web page offers it.
set -euo pipefail
upload=""
if [ "${1:-}" = "--upload" ]; then
  upload="${2:?--upload needs the storage account name}"
  shift 2
fi
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
  if [ -n "$upload" ]; then
    file=backazon; [[ "$rid" == win-* ]] && file=backazon.exe
    az storage blob upload --auth-mode login --account-name "$upload" --container-name uploader \
      --name "$rid/$file" --file "artifacts/publish/$rid/$file" --overwrite --only-show-errors
  fi
done

ls -l "${rids[@]/#/artifacts/publish/}"
