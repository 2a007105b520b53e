#!/usr/bin/env bash
# Builds and lints the Bicep offline, then evaluates it into a snapshot for the infra tests.
#   bash infra/check.sh      -> prints the path of the compiled main.json on its last line
# Outputs (under artifacts/infra/): main.json (ARM template), ci.snapshot.json and
# ci-deployer-access.snapshot.json (the resources main.bicep yields for the .bicepparam files
# of the same names in infra/snapshot/). Fails on any lint Warning or Error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/artifacts/infra"
mkdir -p "$out"

# The Bicep CLI ships in one NuGet package per platform (Azure.Bicep.CommandLine.<rid>);
# restoring a throwaway project for this machine's one puts it in the package folder (no
# build, no assets).
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=osx ;;
  MINGW* | MSYS* | CYGWIN*) os=win ;;
  *) echo "infra/check.sh: no Bicep CLI package for $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "infra/check.sh: no Bicep CLI package for $(uname -m)" >&2; exit 1 ;;
esac
rid="$os-$arch"
# Published packages: linux-x64, linux-arm64, osx-x64, osx-arm64, win-x64 (Git Bash on an ARM
# Windows machine runs the x64 one under emulation).
[ "$rid" = win-arm64 ] && rid=win-x64
exe=bicep
[ "$os" = win ] && exe=bicep.exe
tools="$root/infra/tools/BicepCli.csproj"
dotnet restore "$tools" -p:BicepRid="$rid" --verbosity quiet >/dev/null
packages=$(dotnet msbuild "$tools" -nologo -p:BicepRid="$rid" -getProperty:NuGetPackageRoot)
version=$(dotnet msbuild "$tools" -nologo -p:BicepRid="$rid" -getProperty:BicepVersion)
bicep="${packages%/}/azure.bicep.commandline.$rid/$version/tools/$exe"
[ -x "$bicep" ] || chmod +x "$bicep"
export DOTNET_CLI_TELEMETRY_OPTOUT=1

fail=0
log="$out/bicep.log"
: >"$log"
run() {
  # bicep exits 0 on lint warnings: read its output instead.
  if ! "$bicep" "$@" >>"$log" 2>&1; then fail=1; fi
}
run build "$root/infra/main.bicep" --outfile "$out/main.json"
run lint "$root/infra/main.bicep"   # covers every module main.bicep uses
# One snapshot per deployment the tests compare: the defaults, and the deployer's data roles asked for.
for case in ci ci-deployer-access; do
  run snapshot "$root/infra/snapshot/$case.bicepparam" --mode overwrite \
    --tenant-id 00000000-0000-0000-0000-00000000aaaa \
    --subscription-id 00000000-0000-0000-0000-00000000bbbb \
    --location swedencentral --deployment-name backazon-ci
  # The snapshot lands beside its .bicepparam: move it to the build output.
  mv -f "$root/infra/snapshot/$case.snapshot.json" "$out/$case.snapshot.json" 2>/dev/null || fail=1
done

if grep -E '(Warning|Error)' "$log" >&2; then fail=1; fi
if [ "$fail" -ne 0 ]; then
  cat "$log" >&2
  echo "infra/check.sh: bicep build/lint/snapshot failed (see above)" >&2
  exit 1
fi
echo "bicep build, lint and snapshot: clean" >&2
echo "$out/main.json"
