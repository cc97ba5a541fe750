# Build the Windows installer of Ops Manager Desktop: PyInstaller folder, smoke test, setup.
#
#   powershell -ExecutionPolicy Bypass -File installer\build_windows.ps1
#   powershell -ExecutionPolicy Bypass -File installer\build_windows.ps1 -Sign "Thumbprint"
#
# Needs Python 3.11 x64 (the py launcher) and Inno Setup 6; see installer\README.md.
# Result: dist\OpsManager\ (the program folder) and dist\OpsManager-<version>-setup.exe.
param(
    [string]$Python = "3.11",
    [string]$Iscc = "",
    [string]$Sign = "",          # certificate thumbprint: sign the executables and the setup
    [string]$TimestampUrl = "",  # your certificate authority's RFC 3161 time-stamp service
    [switch]$NoSmoke
)
$ErrorActionPreference = "Stop"
Set-Location (Split-Path $PSScriptRoot -Parent)

function Invoke-Step([string]$What, [scriptblock]$Command) {
    Write-Host "==> $What"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

$venvPython = ".venv\Scripts\python.exe"
if (-not (Test-Path $venvPython)) {
    Invoke-Step "create .venv with Python $Python" { py "-$Python" -m venv .venv }
}
Invoke-Step "upgrade pip" { & $venvPython -m pip install --quiet --upgrade pip }
Invoke-Step "install the program and PyInstaller" { & $venvPython -m pip install --quiet ".[installer]" }

$buildArgs = @("installer\build.py")
if ($NoSmoke) { $buildArgs += "--no-smoke" }
Invoke-Step "PyInstaller build and smoke test" { & $venvPython @buildArgs }

$signArgs = @()
if ($Sign) {
    if (-not $TimestampUrl) { throw "-Sign needs -TimestampUrl" }
    $signArgs = @("sign", "/sha1", $Sign, "/fd", "SHA256", "/tr", $TimestampUrl, "/td", "SHA256")
    Invoke-Step "sign the executables" { signtool @signArgs "dist\OpsManager\opsmanager.exe" "dist\OpsManager\OpsManagerDesktop.exe" }
}

if (-not $Iscc) {
    $found = Get-Command iscc.exe -ErrorAction SilentlyContinue
    $Iscc = if ($found) { $found.Source } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
}
if (-not (Test-Path $Iscc)) { throw "Inno Setup's ISCC.exe not found: install Inno Setup 6 or pass -Iscc PATH" }
$isccArgs = @("installer\opsmanager.iss")
if ($Sign) {
    # Inno Setup signs the setup and the uninstaller with this command ($f = the file)
    $isccArgs = @("/Ssigntool=signtool $($signArgs -join ' ') `$f", "/DSignSetup=1") + $isccArgs
}
Invoke-Step "Inno Setup" { & $Iscc @isccArgs }
Get-ChildItem dist\OpsManager-*-setup.exe | ForEach-Object { Write-Host "built $($_.FullName) ($([math]::Round($_.Length / 1MB)) MB)" }
