; Inno Setup 6 script for the Windows installer of Backprop Lab.
;
; packaging/build.py runs it after PyInstaller, as
;   ISCC /DAppVersion=<version> /DBundleDir=<dist>\backprop-lab /DOutputDir=<dist>
;        /DRepoRoot=<repository> packaging\backprop-lab.iss
; and it writes <dist>\backprop-lab-<version>-setup.exe.
;
; A per-user install (no administrator rights): the app goes to
; %LOCALAPPDATA%\Programs\Backprop Lab, with a Start-menu shortcut, an optional desktop
; shortcut and an uninstaller (Settings > Apps, or the Start-menu entry).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef RepoRoot
  #define RepoRoot ".."
#endif
#ifndef BundleDir
  #define BundleDir RepoRoot + "\dist\backprop-lab"
#endif
#ifndef OutputDir
  #define OutputDir RepoRoot + "\dist"
#endif

#define AppName "Backprop Lab"
#define AppExeName "backprop-lab.exe"

[Setup]
; AppId identifies the app for upgrades and the uninstaller: never change it.
AppId={{DDCA300C-B1C6-4529-AEA9-E2D39EABFF47}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Backprop Lab
AppCopyright=MIT License
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
; Per user: {autopf} is %LOCALAPPDATA%\Programs, {autoprograms} the user's Start menu.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=backprop-lab-{#AppVersion}-setup
SetupIconFile={#RepoRoot}\resources\icons\backprop-lab.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running copy before replacing its files.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder (backprop-lab.exe + _internal\).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle: files the new version no longer ships must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
