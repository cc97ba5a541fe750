; Inno Setup 6 script: the Windows installer of Ops Manager Desktop.
;
;   iscc installer\opsmanager.iss        (after PyInstaller has built dist\OpsManager)
;
; installer\build_windows.ps1 runs every step; installer\README.md explains them.
; The version is not written here: it is read from the version resource of the built
; opsmanager.exe, which installer\assets.py made from opsmanager_desktop.__version__.
; Pass /DAppVersion=X.Y.Z to iscc only to override it.

#define AppName "Ops Manager Desktop"
#define AppPublisher "Ops Manager Desktop"
#define GuiExe "OpsManagerDesktop.exe"
#define CliExe "opsmanager.exe"
#define DistDir AddBackslash(SourcePath) + "..\dist\OpsManager"

#if !FileExists(DistDir + "\" + CliExe)
  #error dist\OpsManager\opsmanager.exe is missing: run pyinstaller installer\opsmanager.spec first
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(DistDir + "\" + CliExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error opsmanager.exe has no ProductVersion: was it built with installer\opsmanager.spec?
#endif
; Windows wants four numbers for the setup program's own file version
#define AppVersionNumbers GetVersionNumbersString(DistDir + "\" + CliExe)

[Setup]
; AppId identifies the product across versions (upgrades replace it in place): never change it
AppId={{6B1C3F0E-52A4-4C1B-9E0B-7F3D2A9C4E11}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppVersionNumbers}
VersionInfoProductVersion={#AppVersionNumbers}
VersionInfoProductTextVersion={#AppVersion}
DefaultDirName={autopf}\OpsManager
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; per machine: officers do not install software, IT does (also for the PATH entry)
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist
OutputBaseFilename=OpsManager-{#AppVersion}-setup
SetupIconFile={#DistDir}\_internal\opsmanager.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
; an upgrade closes a running copy first (the files are in use otherwise)
CloseApplications=yes
RestartApplications=no
; Code signing (installer\README.md): build_windows.ps1 -Sign passes /Ssigntool="..." and
; /DSignSetup=1, so the setup program and the uninstaller are signed too
#ifdef SignSetup
SignTool=signtool
SignedUninstaller=yes
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the opsmanager command to the system PATH (for scripts and batch jobs)"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the program folder whole: libraries of the old version must not linger
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Back office: customers, readings, billing, payments"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; The user's data (%LOCALAPPDATA%\OpsManager: the local SQLite file, logs) and settings stay
; on uninstall: they are the officer's, not the program's.

[Code]
const
  EnvKey = 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';

function NeedsAddPath(Dir: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKLM, EnvKey, 'Path', Paths) then
    Result := True
  else
    Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure RemoveFromPath(Dir: string);
var
  Paths: string;
  Found: Integer;
begin
  if not RegQueryStringValue(HKLM, EnvKey, 'Path', Paths) then
    Exit;
  Paths := ';' + Paths + ';';
  Found := Pos(';' + Uppercase(Dir) + ';', Uppercase(Paths));
  if Found = 0 then
    Exit;
  Delete(Paths, Found, Length(Dir) + 1);
  Paths := Copy(Paths, 2, Length(Paths) - 2);
  RegWriteExpandStringValue(HKLM, EnvKey, 'Path', Paths);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
