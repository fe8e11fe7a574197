#!/usr/bin/env bash
# Restores the Bicep CLI from NuGet (the only registry CI can reach besides npm/Debian) and prints its path.
# Why NuGet and not `az bicep install`: that downloads from GitHub releases, which CI here cannot reach.
# Idempotent: when the pinned binary is already in place it only prints the path.
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
PACKAGE="azure.bicep.commandline.linux-x64" # NuGet stores package folders lower-cased
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools/bicep"
PACKAGES="$TOOLS/packages"
BIN="$PACKAGES/$PACKAGE/$BICEP_VERSION/tools/bicep"

# A stable path for people and tests: .tools/bin/bicep, whatever the pinned version.
link() {
  mkdir -p "$ROOT/.tools/bin"
  ln -sfn "$BIN" "$ROOT/.tools/bin/bicep"
  echo "$BIN"
}

if [[ -x "$BIN" ]]; then
  link
  exit 0
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-bicep: dotnet (the .NET SDK) is needed to restore Bicep from NuGet" >&2
  exit 1
fi

# A throwaway project whose only job is a PackageDownload: it fetches the package without referencing it,
# so no target-framework compatibility check applies to a tools-only package.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/restore-bicep.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
    <DisableImplicitNuGetFallbackFolder>true</DisableImplicitNuGetFallbackFolder>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
XML

mkdir -p "$PACKAGES"
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
  dotnet restore "$WORK/restore-bicep.csproj" --packages "$PACKAGES" >&2

if [[ ! -f "$BIN" ]]; then
  echo "install-bicep: restore finished but $BIN is missing" >&2
  exit 1
fi
# NuGet extracts files without the executable bit.
chmod +x "$BIN"
link
