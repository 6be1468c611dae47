; Inno Setup script: a per-user Windows installer for the PyInstaller folder.
;
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\TherapyNotes packaging\windows\therapy_notes.iss
;
; The version comes from pyproject.toml (the workflow reads it and passes /DAppVersion=).
; Per-user, no admin rights: a clinician on a managed laptop can install and update it.
; Uninstalling removes the program; the database, backups and logs stay unless the person
; asks for them to go (the default answer keeps them).

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=X.Y.Z ...
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\TherapyNotes"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist\installer"
#endif

#define AppName "Therapy Notes"
#define AppExe "TherapyNotes.exe"
; platformdirs.user_data_dir("TherapyNotes", appauthor=False) on Windows.
#define DataDir "{localappdata}\TherapyNotes"

[Setup]
; A fixed AppId keeps upgrades in place; never change it.
AppId={{6C1E2F0B-4B0E-4C55-9A43-3D2B9E7C8A51}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Therapy Notes
VersionInfoVersion={#AppVersion}
DefaultDirName={localappdata}\Programs\TherapyNotes
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=TherapyNotes-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppExe}
SetupIconFile=..\..\resources\icons\therapy-notes.ico
UninstallDisplayName={#AppName}
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle whole: stale libraries from the old version must not load.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
var
  DeleteUserData: Boolean;

{ Asked once, before anything is removed. The default button is "No": session records are
  clinical records, and an uninstall is often only the first half of a reinstall. }
function InitializeUninstall(): Boolean;
var
  DataDir: String;
begin
  Result := True;
  DeleteUserData := False;
  DataDir := ExpandConstant('{#DataDir}');
  if DirExists(DataDir) and not UninstallSilent() then
    DeleteUserData := MsgBox(
      'Also delete your Therapy Notes data?' + #13#10 + #13#10 +
      'The folder ' + DataDir + ' holds your sessions, notes, backups and logs. ' +
      'Keep it to use them again after a reinstall.' + #13#10 + #13#10 +
      'Delete it permanently?',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DeleteUserData then
    DelTree(ExpandConstant('{#DataDir}'), True, True, True);
end;
